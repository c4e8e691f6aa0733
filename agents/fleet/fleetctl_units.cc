// submit, load, start (with --replace and template instances), the wait for a state, restart.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "agents/fleet/fleetctl_commands.h"
#include "agents/fleet/fleetctl_rules.h"
#include "agents/fleet/unit_name.h"

namespace corestack::fleet {
namespace {

// The local file for an argument: the argument, with ".service" appended like the name.
std::string local_path(const std::string& arg) {
  std::string base = std::filesystem::path(arg).filename().string();
  return is_recognized_unit_type(base) ? arg : arg + ".service";
}

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The template file beside `path` for an instance name ("dir/foo@.service").
std::optional<std::string> template_path(const std::string& path, const std::string& name) {
  auto info = parse_unit_name(name);
  if (!info || !info->is_instance()) return std::nullopt;
  return (std::filesystem::path(path).parent_path() / info->template_name).string();
}

}  // namespace

// isLocalUnitDifferent: the WARNING when the local file (or the local template of an
// instance) has other contents than the registry's unit. Returns whether it differs.
void Ctl::warn_if_differs(const std::string& path, const ApiUnit& unit) {
  bool from_template = false;
  auto text = read_text(path);
  if (!text) {
    auto tpath = template_path(path, unit.name);
    if (tpath) text = read_text(*tpath);
    from_template = true;
  }
  if (!text) return;
  auto same = same_contents(unit, *text);
  if (same && !*same) std::cerr << differs_warning(unit.name, path, from_template) << "\n";
}

// getUnitFile: the local file; for an instance without one, the template from the registry
// (warning when the local template differs), else the template file beside it.
Expected<ApiUnit, std::string> Ctl::unit_from_files(const std::string& path,
                                                    const std::string& name) {
  auto text = read_text(path);
  if (!text) {
    auto info = parse_unit_name(name);
    if (!info || !info->is_instance())
      return unexpected(unit_not_on_filesystem_message(name, false));
    auto tmpl = client_.unit(info->template_name);
    if (!tmpl) return unexpected(tmpl.error());
    if (*tmpl) {
      warn_if_differs(path, **tmpl);
      return instance_of(**tmpl, name);
    }
    text = read_text(*template_path(path, name));
    if (!text) return unexpected(unit_not_on_filesystem_message(info->template_name, true));
  }
  auto file = UnitFile::parse(*text);
  if (!file) return unexpected("Error parsing unit " + path + ": " + file.error());
  return ApiUnit{name, options_of(*file), "inactive", "", "", ""};
}

Expected<ApiUnit, std::string> Ctl::ensure_unit(const std::string& arg, const std::string& name,
                                                bool& created) {
  created = false;
  const std::string path = local_path(arg);
  auto existing = client_.unit(name);
  if (!existing)
    return unexpected("error retrieving Unit(" + name + ") from Registry: " + existing.error());
  if (*existing) {
    const ApiUnit& have = **existing;
    if (!o_.replace) {
      warn_if_differs(path, have);
      return have;
    }
    auto local = unit_from_files(path, name);
    if (!local) return unexpected(local.error());
    if (unit_file_of(*local).hash() == unit_file_of(have).hash()) {
      std::cout << same_unit_message(name) << "\n";
      return have;
    }
    if (!replace_allowed(o_.command, have.desired_state)) {
      std::cerr << cannot_replace_warning(name, have.desired_state) << "\n";
      return have;
    }
    ApiUnit replaced = *local;
    replaced.desired_state = have.desired_state;
    if (auto put = client_.create_unit(replaced); !put) {
      return unexpected("Error creating unit " + name + ": " + put.error());
    }
    created = true;
    return replaced;
  }
  auto unit = unit_from_files(path, name);
  if (!unit) return unexpected(unit.error());
  if (auto put = client_.create_unit(*unit); !put) {
    return unexpected("Error creating unit " + name + ": " + put.error());
  }
  created = true;
  return *unit;
}

// Polls until the unit's current state is `state`: every 250 ms, attempts of 2 s each. Says
// once on stderr why the engine cannot place it (and again when the reason changes).
Expected<ApiUnit, std::string> Ctl::wait_for_state(const std::string& name,
                                                   const std::string& state) {
  std::string reason;
  for (int attempt = 0; o_.block_attempts == 0 || attempt < o_.block_attempts; ++attempt) {
    for (int poll = 0; poll < 8; ++poll) {
      auto u = client_.unit(name);
      if (!u) return unexpected(u.error());
      if (*u && (*u)->current_state == state) return **u;
      const std::string now = *u ? (*u)->unschedulable_reason : "";
      if (!now.empty() && now != reason) std::cerr << unschedulable_message(name, now) << "\n";
      reason = now;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }
  return unexpected(timed_out_message(name, state, reason));
}

int Ctl::set_and_wait(const std::string& name, const std::string& state,
                      const MachineIndex& index) {
  if (auto set = client_.set_desired_state(name, state); !set) {
    return fail("Error setting target state for " + name + ": " + set.error());
  }
  if (o_.no_block) {
    std::cout << triggered_message(name, verb_of(state)) << "\n";
    return 0;
  }
  auto done = wait_for_state(name, state);
  if (!done) return fail("Error waiting for units: " + done.error());
  auto m = index.find(done->machine_id);
  std::cout << unit_state_message(name, state, m == index.end() ? nullptr : &m->second) << "\n";
  return 0;
}

int Ctl::transition(const std::string& state) {
  if (o_.args.empty()) return 0;  // fleetctl: "No units given" and success
  auto machines = client_.machines();
  if (!machines) return fail("Error retrieving list of active machines: " + machines.error());
  const MachineIndex index = index_machines(*machines);
  int status = 0;
  for (const std::string& arg : o_.args) {
    const std::string name = mangle_unit_name(arg);
    bool created = false;
    auto unit = ensure_unit(arg, name, created);
    if (!unit) {
      status = fail(unit.error());
      continue;
    }
    if (is_global_unit(*unit) && state != "inactive") {
      if (auto set = client_.set_desired_state(name, state); !set) {
        status = fail("Error setting target state for " + name + ": " + set.error());
        continue;
      }
      std::cout << triggered_global_message(name, verb_of(state)) << "\n";
      continue;
    }
    if (state == "inactive") {
      if (o_.no_block || !created) continue;  // fleet waits only for the units it created
      auto done = wait_for_state(name, state);
      if (!done) status = fail("Error waiting for units: " + done.error());
      if (done) std::cout << unit_state_message(name, state, nullptr) << "\n";
      continue;
    }
    if (set_and_wait(name, state, index) != 0) status = 1;
  }
  return status;
}

int Ctl::restart() {
  if (o_.args.empty()) return 0;
  auto machines = client_.machines();
  if (!machines) return fail("Error retrieving list of active machines: " + machines.error());
  const MachineIndex index = index_machines(*machines);
  std::vector<ApiUnit> units;
  for (const std::string& arg : o_.args) {
    auto u = client_.unit(mangle_unit_name(arg));
    if (!u) return fail(u.error());
    if (*u) units.push_back(**u);
  }
  if (units.empty()) {
    std::cerr << "Units not found in registry\n";
    return 0;
  }
  for (const ApiUnit& u : units) {
    if (is_global_unit(u)) {
      if (restart_global(u) != 0) return 1;
      continue;
    }
    if (u.current_state == "inactive" || u.current_state.empty()) {
      return fail(unable_to_restart_message(u.name, "inactive"));
    }
    if (u.current_state == "launched" && set_and_wait(u.name, "loaded", index) != 0) return 1;
    if (set_and_wait(u.name, "launched", index) != 0) return 1;
  }
  return 0;
}

}  // namespace corestack::fleet
