// The decoded #cloud-config: what initialize.Apply works from (reference cloudinit.md §2).
// Decoding is lenient like Go's: a value of the wrong type is the zero value (the
// validator reports it), unknown keys are ignored. `line` fields point back at the source
// for error messages.
#pragma once

#include <string>
#include <vector>

namespace corestack::cloudinit {

// One KEY=value of a generated environment, in the section's field order.
struct EnvVar {
  std::string name;
  std::string value;
};

struct DropIn {
  std::string name;
  std::string content;
};

struct Unit {
  std::string name;
  bool runtime = false;
  bool enable = false;
  bool mask = false;
  std::string content;
  std::string command;
  std::vector<DropIn> drop_ins;
  int line = 0;
};

struct WriteFile {
  std::string path;
  std::string content;
  std::string encoding;
  std::string permissions;
  std::string owner;
  bool binary = false;  // YAML !!binary: content is base64
  int line = 0;
};

struct User {
  std::string name;
  std::string passwd;
  std::vector<std::string> ssh_authorized_keys;
  std::string gecos;
  std::string homedir;
  bool no_create_home = false;
  std::string primary_group;
  std::vector<std::string> groups;
  bool no_user_group = false;
  bool system = false;
  bool no_log_init = false;
  std::string shell;
  int line = 0;
};

struct Update {
  std::string reboot_strategy;
  std::string group;
  std::string server;
};

struct Coreos {
  std::vector<EnvVar> etcd;  // legacy etcd 0.4
  std::vector<EnvVar> etcd2;
  std::vector<EnvVar> fleet;
  std::vector<EnvVar> flannel;
  std::vector<EnvVar> locksmith;
  std::vector<EnvVar> oem;  // ID, NAME, ... for /etc/oem-release
  Update update;
  std::vector<Unit> units;
};

struct CloudConfig {
  std::string hostname;
  std::vector<std::string> ssh_authorized_keys;
  std::vector<User> users;
  std::vector<WriteFile> write_files;
  std::string manage_etc_hosts;
  Coreos coreos;
};

}  // namespace corestack::cloudinit
