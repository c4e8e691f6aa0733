// status, journal, ssh and the restart of global units: commands on a unit's machine through
// the system ssh client (locally when the machine is this host).
#include <unistd.h>

#include <fstream>
#include <iostream>

#include "agents/fleet/fleetctl_commands.h"
#include "agents/fleet/fleetctl_rules.h"
#include "agents/fleet/unit_name.h"

namespace corestack::fleet {
namespace {

std::string local_machine_id() {
  std::ifstream in("/etc/machine-id");
  std::string id;
  in >> id;
  return id;
}

std::string home_dir() {
  const char* home = std::getenv("HOME");
  return home != nullptr ? home : "/";
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words)
    out += (out.empty() ? "" : " ") + w;
  return out;
}

}  // namespace

SshSettings ssh_settings_of(const Options& o, bool tty, const std::string& home) {
  SshSettings s;
  s.user = o.ssh_username;
  s.port = o.ssh_port;
  s.timeout_s = o.ssh_timeout_s;
  s.strict = o.strict_host_key_checking;
  s.known_hosts_file = expand_home(o.known_hosts_file, home);
  s.tunnel = o.tunnel;
  s.forward_agent = o.forward_agent;
  s.tty = tty;
  return s;
}

SshSettings Ctl::ssh_settings(bool tty) const {
  SshSettings s = ssh_settings_of(o_, tty, home_dir());
  s.interactive = ::isatty(0) != 0;
  return s;
}

int Ctl::run_ssh(const std::string& host, const std::string& command, bool tty) {
  const SshSettings s = ssh_settings(tty);
  ensure_known_hosts_dir(s);
  const std::vector<std::string> argv = ssh_argv(s, host, command);
  if (o_.debug) std::cerr << "fleetctl: running " << remote_command(argv) << "\n";
  std::string err;
  const int status = run_command(argv, &err);
  if (status == 255 && is_host_key_mismatch(err)) {
    return fail(host_key_mismatch_message(host, s.known_hosts_file));
  }
  return status;
}

Expected<ApiMachine, std::string> Ctl::machine_by_id(const std::string& id) {
  auto machines = client_.machines();
  if (!machines) return unexpected("Error retrieving list of active machines: " + machines.error());
  for (const ApiMachine& m : *machines) {
    if (m.id == id && !m.primary_ip.empty()) return m;
  }
  return unexpected("Error: machine " + id + " is not in the cluster (or has no public IP)");
}

int Ctl::run_on_machine(const std::string& machine_id, const std::vector<std::string>& words) {
  if (machine_id == local_machine_id()) {
    if (o_.debug) std::cerr << "fleetctl: running locally " << remote_command(words) << "\n";
    return run_command(words);
  }
  auto m = machine_by_id(machine_id);
  if (!m) return fail(m.error());
  return run_ssh(m->primary_ip, remote_command(words), false);
}

Expected<ApiUnit, std::string> Ctl::unit_with_machine(const std::string& name,
                                                      std::string_view cmd) {
  auto u = client_.unit(name);
  if (!u) return unexpected(u.error());
  if (!*u) return unexpected(unit_does_not_exist_message(name));
  if (is_global_unit(**u)) {
    if (cmd == "status") return **u;  // the caller runs it on every machine
    return unexpected(global_unit_unsupported_message(cmd, name));
  }
  if ((*u)->machine_id.empty() || (*u)->current_state == "inactive") {
    return unexpected(unit_not_loaded_message(name));
  }
  return **u;
}

int Ctl::status() {
  int result = 0;
  for (size_t i = 0; i < o_.args.size(); ++i) {
    if (i > 0) std::cout << std::endl;
    const std::string name = mangle_unit_name(o_.args[i]);
    auto u = unit_with_machine(name, "status");
    if (!u) return fail(u.error());
    if (!is_global_unit(*u)) {
      if (int s = run_on_machine(u->machine_id, status_command(name)); s != 0) result = s;
      continue;
    }
    auto states = client_.states();
    if (!states) return fail(states.error());
    for (const ApiUnitState& st : *states) {
      if (st.name != name) continue;
      if (int s = run_on_machine(st.machine_id, status_command(name)); s != 0) result = s;
    }
  }
  return result;
}

int Ctl::journal() {
  if (o_.args.size() != 1) return fail("One unit file must be provided.");
  const std::string name = mangle_unit_name(o_.args[0]);
  auto u = unit_with_machine(name, "journal");
  if (!u) return fail(u.error());
  return run_on_machine(u->machine_id,
                        journal_command(name, o_.lines, o_.output, o_.follow, o_.sudo));
}

int Ctl::ssh() {
  std::vector<std::string> words = o_.args;
  std::string machine_id;
  auto by_unit = [&](const std::string& arg) -> int {
    auto u = unit_with_machine(mangle_unit_name(arg), "ssh");
    if (!u) return fail(u.error());
    machine_id = u->machine_id;
    return 0;
  };
  if (!o_.unit.empty()) {
    if (by_unit(o_.unit) != 0) return 1;
  } else {
    const bool named = !o_.machine.empty();
    if (!named && words.empty()) return fail("Provide one machine or unit.");
    const std::string lookup = named ? o_.machine : words.front();
    if (!named) words.erase(words.begin());
    auto machines = client_.machines();
    if (!machines) return fail("Error retrieving list of active machines: " + machines.error());
    auto m = find_machine(*machines, lookup);
    if (!m) return fail(m.error());
    if (*m) machine_id = (*m)->id;
    if (!*m && named) return fail(no_machine_or_unit_message(lookup));
    if (!*m) {
      auto u = client_.unit(mangle_unit_name(lookup));
      if (!u) return fail(u.error());
      if (!*u) return fail(no_machine_or_unit_message(lookup));
      if (by_unit(lookup) != 0) return 1;
    }
  }
  auto m = machine_by_id(machine_id);
  if (!m) return fail(m.error());
  // As ssh(1) and fleet: the command words are joined by spaces for the remote shell.
  const std::string command = join_words(words);
  return run_ssh(m->primary_ip, command, command.empty() && ::isatty(0));
}

int Ctl::restart_global(const ApiUnit& unit) {
  auto states = client_.states();
  if (!states) return fail("Error retrieving list of units from repository: " + states.error());
  for (const ApiUnitState& st : *states) {
    if (st.name != unit.name) continue;
    if (int s = run_on_machine(st.machine_id, restart_command(unit.name)); s != 0) return s;
  }
  return 0;
}

}  // namespace corestack::fleet
