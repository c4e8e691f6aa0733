// Applying user-data to a host in coreos-cloudinit's order (reference cloudinit.md §3):
// hostname, users, core's SSH keys, files (write_files, then /etc/oem-release,
// /etc/coreos/update.conf, /etc/hosts, /run/flannel/options.env), the /etc/environment
// merge, then units. Every file is prepared (decoded, its mode and owner parsed) before the
// first one is written, so a bad entry fails the run without touching the host. Any error
// throws std::runtime_error and stops the remaining steps, as the reference does.
#pragma once

#include <string>
#include <vector>

#include "cloud-config/action_log.h"
#include "cloud-config/commands.h"
#include "cloud-config/config.h"
#include "cloud-config/filesystem.h"
#include "cloud-config/substitute.h"
#include "cloud-config/unit_manager.h"

namespace corestack::cloudinit {

struct ApplyOptions {
  std::string workspace = "/var/lib/coreos-cloudinit";
  std::string ssh_key_name = "coreos-cloudinit";
  Addresses metadata;             // from the datasource
  std::string metadata_hostname;  // used when the config has no hostname
  std::vector<std::string> metadata_ssh_keys;
};

struct Host {
  Filesystem& fs;
  CommandRunner& commands;
  UnitManager* units;  // nullptr: record the service manager calls only (--root)
  ActionLog& log;
  bool link_units = false;  // --root with a bus: link written unit files by path
};

void apply_cloud_config(const CloudConfig& config, const ApplyOptions& options, Host& host);

// A `#!` user-data script: saved to <workspace>/scripts/<name> (0744), its unit name to
// <workspace>/scripts/unit-name, and run as transient unit coreos-cloudinit-<name>.service.
void apply_script(const std::string& script, const ApplyOptions& options, Host& host);

// The steps, exposed for tests.
void apply_accounts(const CloudConfig& config, const ApplyOptions& options, Host& host);
void apply_files(const CloudConfig& config, const ApplyOptions& options, Host& host);
// Prepares every file apply_files() would write and throws what it would throw, writing nothing.
void check_files(const CloudConfig& config, const ApplyOptions& options, const Host& host);
void apply_units(const CloudConfig& config, Host& host);

// The units a config acts on, in processing order: coreos.units, then the etcd, etcd2, fleet
// and locksmith drop-in units, then the update-derived locksmithd and update-engine units.
std::vector<Unit> units_to_process(const CloudConfig& config);

}  // namespace corestack::cloudinit
