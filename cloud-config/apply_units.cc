// Step 7 of apply: units (reference cloudinit.md §2.7 and §3). One pass writes each unit's
// files and (un)masks and enables it, queueing its command; then one daemon-reload if
// anything changed, a networkd restart if a network unit was written, and the queued commands
// in list order.
#include <spdlog/spdlog.h>

#include <stdexcept>

#include "cloud-config/apply.h"
#include "cloud-config/render.h"
#include "cloud-config/validate_rules.h"

namespace corestack::cloudinit {
namespace {

bool is_network_unit(const std::string& name) {
  return name.ends_with(".network") || name.ends_with(".netdev") || name.ends_with(".link");
}

std::string unit_dir(const Unit& u) {
  return std::string(u.runtime ? "/run" : "/etc") +
         (is_network_unit(u.name) ? "/systemd/network" : "/systemd/system");
}

Unit drop_in_unit(const std::string& name, const std::vector<EnvVar>& env) {
  Unit u;
  u.name = name;
  u.runtime = true;
  u.drop_ins.push_back({"20-cloudinit.conf", render_drop_in(env)});
  return u;
}

struct Pass {
  bool reload = false;
  bool restart_networkd = false;
  std::vector<std::pair<std::string, std::string>> commands;  // command, unit
};

void enable_unit(const Unit& u, const std::string& path, Host& host) {
  host.log.add(std::string(u.runtime ? "enable-runtime " : "enable ") + u.name);
  if (!host.units) return;
  // Under --root the file is outside systemd's search path, so it is named by path.
  host.units->enable(host.link_units ? host.fs.host_path(path) : u.name, u.runtime);
}

void process_unit(const Unit& u, Host& host, Pass& pass) {
  if (u.name.empty()) {
    spdlog::warn("unit without a name (line {}) skipped", u.line);
    return;
  }
  if (!valid_unit_name(u.name)) throw std::runtime_error("invalid unit name " + u.name);
  const std::string path = unit_dir(u) + "/" + u.name;
  if (!u.content.empty()) {
    host.fs.write_file(path, u.content, 0644);
    pass.reload = true;
    if (host.link_units && host.units && !u.enable) {
      host.log.add("link " + path);
      host.units->link(host.fs.host_path(path), u.runtime);
    }
  }
  for (const auto& d : u.drop_ins) {
    if (d.name.empty() || d.content.empty()) continue;
    if (d.name.find('/') != std::string::npos)
      throw std::runtime_error("invalid drop-in name " + d.name);
    host.fs.write_file(path + ".d/" + d.name, d.content, 0644);
    pass.reload = true;
  }
  if (u.mask) {
    host.fs.mask(path);
    pass.reload = true;
  } else if (u.runtime && host.fs.unmask(path)) {
    pass.reload = true;
  }
  if (u.enable) {
    if (is_network_unit(u.name))
      spdlog::info("not enabling network unit {}", u.name);
    else
      enable_unit(u, path, host);
  }
  if (is_network_unit(u.name))
    pass.restart_networkd = true;
  else if (!u.command.empty())
    pass.commands.emplace_back(u.command, u.name);
}

void run_command(Host& host, const std::string& command, const std::string& unit) {
  host.log.add(command + " " + unit);
  if (!host.units) return;
  const std::string result = host.units->run(command, unit);
  spdlog::info("Result of \"{}\" on \"{}\": {}", command, unit, result);
}

}  // namespace

std::vector<Unit> units_to_process(const CloudConfig& config) {
  std::vector<Unit> units = config.coreos.units;
  const Coreos& c = config.coreos;
  if (!c.etcd.empty()) units.push_back(drop_in_unit("etcd.service", c.etcd));
  if (!c.etcd2.empty()) units.push_back(drop_in_unit("etcd2.service", c.etcd2));
  if (!c.fleet.empty()) units.push_back(drop_in_unit("fleet.service", c.fleet));
  if (!c.locksmith.empty()) units.push_back(drop_in_unit("locksmithd.service", c.locksmith));
  if (!c.update.reboot_strategy.empty()) {
    Unit u;
    u.name = "locksmithd.service";
    u.runtime = true;
    u.mask = c.update.reboot_strategy == "off";
    u.command = u.mask ? "stop" : "restart";
    units.push_back(u);
  }
  if (!c.update.group.empty() || !c.update.server.empty()) {
    Unit u;
    u.name = "update-engine.service";
    u.command = "restart";
    units.push_back(u);
  }
  return units;
}

void apply_units(const CloudConfig& config, Host& host) {
  Pass pass;
  for (const auto& u : units_to_process(config))
    process_unit(u, host, pass);
  if (pass.reload) {
    host.log.add("daemon-reload");
    if (host.units) host.units->reload();
  }
  if (pass.restart_networkd) run_command(host, "restart", "systemd-networkd.service");
  for (const auto& [command, unit] : pass.commands)
    run_command(host, command, unit);
}

}  // namespace corestack::cloudinit
