#include "cloud-config/apply.h"

#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdio>

namespace corestack::cloudinit {
namespace {

// FNV-1a: the script's file name is a function of its text, so a --root run is repeatable
// (the reference uses a random name).
std::string script_name(const std::string& script) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : script)
    hash = (hash ^ c) * 1099511628211ull;
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash));
  return buffer;
}

}  // namespace

void apply_cloud_config(const CloudConfig& config, const ApplyOptions& options, Host& host) {
  check_files(config, options, host);  // a bad write_files entry fails before any change
  apply_accounts(config, options, host);
  apply_files(config, options, host);
  apply_units(config, host);
}

void apply_script(const std::string& script, const ApplyOptions& options, Host& host) {
  const std::string name = script_name(script);
  const std::string path = options.workspace + "/scripts/" + name;
  const std::string unit = "coreos-cloudinit-" + name + ".service";
  host.fs.write_file(path, script, 0744);
  host.fs.write_file(options.workspace + "/scripts/unit-name", unit, 0644);
  host.log.add("start-transient " + unit + " /bin/bash " + path);
  if (!host.units) return;
  const std::string script_path = host.fs.host_path(path);
  spdlog::info("Result of \"start\" on \"{}\": {}", unit,
               host.units->start_transient(unit, script_path));
}

}  // namespace corestack::cloudinit
