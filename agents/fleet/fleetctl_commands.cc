#include "agents/fleet/fleetctl_commands.h"

#include <iostream>

#include "agents/fleet/fleetctl_rules.h"
#include "agents/fleet/unit_name.h"

namespace corestack::fleet {

int Ctl::run() {
  const std::string& c = o_.command;
  if (c == "list-machines") return list_machines();
  if (c == "list-units") return list_units();
  if (c == "list-unit-files") return list_unit_files();
  if (c == "submit") return transition("inactive");
  if (c == "load") return transition("loaded");
  if (c == "start") return transition("launched");
  if (c == "stop") return stop_or_unload("loaded");
  if (c == "unload") return stop_or_unload("inactive");
  if (c == "destroy") return destroy();
  if (c == "restart") return restart();
  if (c == "cat") return cat();
  if (c == "status") return status();
  if (c == "journal") return journal();
  if (c == "ssh") return ssh();
  return fail("Error: unknown command \"" + c + "\" for \"fleetctl\"");
}

int Ctl::fail(const std::string& message) {
  std::cerr << message << "\n";
  return 1;
}

std::vector<std::string> Ctl::fields(std::string_view defaults,
                                     std::span<const std::string_view> valid, std::string& error) {
  auto f = parse_fields(o_.fields.empty() ? defaults : std::string_view(o_.fields), valid);
  if (!f) {
    error = f.error();
    return {};
  }
  for (const auto& w : f->warnings)
    std::cerr << w << "\n";
  return f->fields;
}

int Ctl::list_machines() {
  std::string error;
  auto f = fields(kListMachinesDefault, kListMachinesFields, error);
  if (!error.empty()) return fail(error);
  auto machines = client_.machines();
  if (!machines) return fail("Error retrieving list of active machines: " + machines.error());
  std::cout << format_list_machines(*machines, f, {o_.full, o_.no_legend});
  return 0;
}

int Ctl::list_units() {
  std::string error;
  auto f = fields(kListUnitsDefault, kListUnitsFields, error);
  if (!error.empty()) return fail(error);
  auto states = client_.states();
  if (!states) return fail("Error retrieving list of units from repository: " + states.error());
  auto machines = client_.machines();
  if (!machines) return fail("Error retrieving list of active machines: " + machines.error());
  std::cout << format_list_units(*states, index_machines(*machines), f, {o_.full, o_.no_legend});
  return 0;
}

int Ctl::list_unit_files() {
  std::string error;
  auto f = fields(kListUnitFilesDefault, kListUnitFilesFields, error);
  if (!error.empty()) return fail(error);
  auto units = client_.units();
  if (!units) return fail("Error retrieving list of units from repository: " + units.error());
  auto machines = client_.machines();
  if (!machines) return fail("Error retrieving list of active machines: " + machines.error());
  std::cout << format_list_unit_files(*units, index_machines(*machines), f,
                                      {o_.full, o_.no_legend});
  return 0;
}

int Ctl::stop_or_unload(const std::string& state) {
  std::vector<std::string> done;
  int status = 0;
  for (const std::string& arg : o_.args) {
    const std::string name = mangle_unit_name(arg);
    auto unit = client_.unit(name);
    if (!unit) return fail(unit.error());
    if (!*unit) continue;  // fleetctl skips units not in the registry
    if (state == "loaded" && (*unit)->current_state == "inactive") {
      status = fail(unable_to_stop_message(name, "inactive"));
      continue;
    }
    if (auto set = client_.set_desired_state(name, state); !set) {
      status = fail("Error setting target state for " + name + ": " + set.error());
      continue;
    }
    if (!o_.no_block && !is_global_unit(**unit)) {
      if (auto w = wait_for_state(name, state); !w) {
        status = fail(w.error());
        continue;
      }
    }
    done.push_back(name);
  }
  if (!done.empty()) {
    std::cerr << (state == "loaded" ? stopped_units_message(done) : unloaded_units_message(done))
              << "\n";
  }
  return status;
}

int Ctl::destroy() {
  int status = 0;
  for (const std::string& arg : o_.args) {
    const std::string name = mangle_unit_name(arg);
    if (auto d = client_.destroy(name); !d) {
      status = fail("Error destroying units: " + d.error());
      continue;
    }
    std::cout << destroyed_message(name) << "\n";
  }
  return status;
}

int Ctl::cat() {
  if (o_.args.size() != 1) return fail("One unit file must be provided");
  const std::string name = mangle_unit_name(o_.args[0]);
  auto unit = client_.unit(name);
  if (!unit) return fail(unit.error());
  if (!*unit) return fail(unit_not_found_message(name));
  std::cout << unit_file_of(**unit).serialize();
  return 0;
}

}  // namespace corestack::fleet
