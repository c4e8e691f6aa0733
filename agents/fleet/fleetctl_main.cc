// fleetctl: submits and drives units through fleetd's v1 API (docs/fleet.md "fleetctl").
// Commands: list-machines, list-units, list-unit-files, submit, load, start, stop, unload,
// destroy, cat, version, help. Flags as fleet's (cobra: anywhere on the line, --x v or
// --x=v), each global one also from $FLEETCTL_<NAME>.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "agents/fleet/fleetctl_client.h"
#include "agents/fleet/fleetctl_output.h"
#include "agents/fleet/requirements.h"
#include "agents/fleet/unit_file.h"
#include "agents/fleet/unit_name.h"

namespace {

using namespace corestack::fleet;
using std::chrono::milliseconds;

struct Options {
  std::string endpoint = "unix:///var/run/fleet.sock";
  std::string driver = "API";
  double request_timeout_s = 3.0;
  std::string fields;
  bool full = false;
  bool no_legend = false;
  bool no_block = false;
  int block_attempts = 0;  // 0: wait forever
  bool replace = false;
  bool help = false;
  bool version = false;
  std::string command;
  std::vector<std::string> args;
};

const std::set<std::string> kValueFlags = {"endpoint", "driver", "request-timeout", "fields",
                                           "block-attempts"};

bool set_flag(Options& o, const std::string& name, const std::string& value) {
  if (name == "endpoint")
    o.endpoint = value;
  else if (name == "driver")
    o.driver = value;
  else if (name == "request-timeout")
    o.request_timeout_s = std::stod(value);
  else if (name == "fields")
    o.fields = value;
  else if (name == "block-attempts")
    o.block_attempts = std::stoi(value);
  else if (name == "full" || name == "l")
    o.full = value != "false";
  else if (name == "no-legend")
    o.no_legend = value != "false";
  else if (name == "no-block")
    o.no_block = value != "false";
  else if (name == "replace")
    o.replace = value != "false";
  else if (name == "help" || name == "h")
    o.help = true;
  else if (name == "version" || name == "v")
    o.version = true;
  else
    return false;
  return true;
}

// Returns an error text for a bad flag.
std::string parse(const std::vector<std::string>& argv, Options& o) {
  for (const char* name : {"ENDPOINT", "DRIVER", "REQUEST_TIMEOUT"}) {
    const char* v = std::getenv((std::string("FLEETCTL_") + name).c_str());
    if (v == nullptr || *v == '\0') continue;
    std::string flag = name;
    for (char& c : flag)
      c = c == '_' ? '-' : static_cast<char>(std::tolower(c));
    set_flag(o, flag, v);
  }
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() < 2 || a[0] != '-') {
      (o.command.empty() ? o.command : o.args.emplace_back()) = a;
      continue;
    }
    std::string name = a.substr(a.rfind("--", 0) == 0 ? 2 : 1);
    std::string value = "true";
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (kValueFlags.count(name)) {
      if (i + 1 >= argv.size()) return "flag needs an argument: --" + name;
      value = argv[++i];
    }
    try {
      if (!set_flag(o, name, value)) return "unknown flag: " + a;
    } catch (const std::exception&) {
      return "invalid argument \"" + value + "\" for --" + name;
    }
  }
  return "";
}

bool is_global(const ApiUnit& u) {
  for (const auto& opt : u.options) {
    if (opt.section == "X-Fleet" && opt.name == "Global" && is_truthy(opt.value)) return true;
  }
  return false;
}

class Ctl {
 public:
  Ctl(Options o, FleetClient client) : o_(std::move(o)), client_(std::move(client)) {}

  int run() {
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
    if (c == "cat") return cat();
    std::cerr << "Error: unknown command \"" << c << "\" for \"fleetctl\"\n"
              << "Run 'fleetctl --help' for usage.\n";
    return 1;
  }

 private:
  int fail(const std::string& message) {
    std::cerr << message << "\n";
    return 1;
  }

  std::vector<std::string> fields(std::string_view defaults,
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

  int list_machines() {
    std::string error;
    auto f = fields(kListMachinesDefault, kListMachinesFields, error);
    if (!error.empty()) return fail(error);
    auto machines = client_.machines();
    if (!machines) return fail("Error retrieving list of active machines: " + machines.error());
    std::cout << format_list_machines(*machines, f, {o_.full, o_.no_legend});
    return 0;
  }

  int list_units() {
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

  int list_unit_files() {
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

  // The unit in the registry, submitting the local file first when it is not there.
  Expected<ApiUnit, std::string> ensure_submitted(const std::string& name, const std::string& arg) {
    auto existing = client_.unit(name);
    if (!existing) return unexpected(existing.error());
    if (*existing) return **existing;
    std::ifstream in(arg);
    if (!in) return unexpected("Unable to find local unit file " + arg);
    std::stringstream text;
    text << in.rdbuf();
    auto file = UnitFile::parse(text.str());
    if (!file) return unexpected("Error parsing unit " + arg + ": " + file.error());
    ApiUnit unit{name, options_of(*file), "inactive", "", ""};
    auto created = client_.create_unit(unit);
    if (!created) return unexpected("Error creating unit " + name + ": " + created.error());
    return unit;
  }

  // Polls until the unit's current state is `state`: every 250 ms, attempts of 2 s each.
  Expected<ApiUnit, std::string> wait_for_state(const std::string& name, const std::string& state) {
    for (int attempt = 0; o_.block_attempts == 0 || attempt < o_.block_attempts; ++attempt) {
      for (int poll = 0; poll < 8; ++poll) {
        auto u = client_.unit(name);
        if (!u) return unexpected(u.error());
        if (*u && (*u)->current_state == state) return **u;
        std::this_thread::sleep_for(milliseconds(250));
      }
    }
    return unexpected(timed_out_message(name, state));
  }

  int transition(const std::string& state) {
    if (o_.args.empty()) return 0;  // fleetctl: "No units given" and success
    auto machines = client_.machines();
    if (!machines) return fail("Error retrieving list of active machines: " + machines.error());
    const MachineIndex index = index_machines(*machines);
    int status = 0;
    for (const std::string& arg : o_.args) {
      const std::string name = mangle_unit_name(arg);
      auto unit = ensure_submitted(name, arg);
      if (!unit) {
        status = fail(unit.error());
        continue;
      }
      if (state != "inactive") {
        if (auto set = client_.set_desired_state(name, state); !set) {
          status = fail("Error setting target state for " + name + ": " + set.error());
          continue;
        }
      }
      if (is_global(*unit) && state != "inactive") {
        std::cout << triggered_global_message(name, state == "launched" ? "start" : "load") << "\n";
        continue;
      }
      if (o_.no_block) {
        std::cout << triggered_message(name, state == "launched" ? "start" : "load") << "\n";
        continue;
      }
      auto done = wait_for_state(name, state);
      if (!done) {
        status = fail(done.error());
        continue;
      }
      auto m = index.find(done->machine_id);
      std::cout << unit_state_message(name, state, m == index.end() ? nullptr : &m->second) << "\n";
    }
    return status;
  }

  int stop_or_unload(const std::string& state) {
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
      if (!o_.no_block && !is_global(**unit)) {
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

  int destroy() {
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

  int cat() {
    if (o_.args.size() != 1) return fail("One unit file must be provided");
    const std::string name = mangle_unit_name(o_.args[0]);
    auto unit = client_.unit(name);
    if (!unit) return fail(unit.error());
    if (!*unit) return fail(unit_not_found_message(name));
    std::cout << unit_file_of(**unit).serialize();
    return 0;
  }

  Options o_;
  FleetClient client_;
};

const char* kUsage =
    "Usage: fleetctl [global flags] COMMAND [flags] [UNIT...]\n\n"
    "Commands: list-machines list-units list-unit-files submit load start stop unload\n"
    "          destroy cat version help\n\n"
    "Global flags (also $FLEETCTL_<FLAG>): --endpoint URL (unix:///var/run/fleet.sock),\n"
    "  --driver API, --request-timeout SECONDS (3)\n"
    "Command flags: --full/-l --no-legend --fields LIST --no-block --block-attempts N\n";

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (auto error = parse(std::vector<std::string>(argv + 1, argv + argc), o); !error.empty()) {
    std::cerr << "Error: " << error << "\n" << kUsage;
    return 1;
  }
  if (o.version || o.command == "version") {
    std::cout << "fleetctl version 1.0.0\n";
    return 0;
  }
  if (o.help || o.command.empty() || o.command == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (o.driver != "API" && o.driver != "api") {
    std::cerr << "Error: driver " << o.driver << " is not supported (only API)\n";
    return 1;
  }
  auto client =
      FleetClient::create(o.endpoint, milliseconds(static_cast<long>(o.request_timeout_s * 1000)));
  if (!client) {
    std::cerr << "Unable to initialize client: " << client.error() << "\n";
    return 1;
  }
  return Ctl(std::move(o), std::move(*client)).run();
}
