// fleetctl's commands (docs/fleet.md "fleetctl") over one FleetClient, whatever its driver.
// Implemented in three files: fleetctl_commands.cc (lists, cat, stop, unload, destroy),
// fleetctl_units.cc (submit, load, start with --replace and waiting, restart) and
// fleetctl_remote.cc (status, journal, ssh, global restart: the system ssh client).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "agents/fleet/fleetctl_client.h"
#include "agents/fleet/fleetctl_options.h"
#include "agents/fleet/fleetctl_output.h"
#include "agents/fleet/fleetctl_ssh.h"

namespace corestack::fleet {

class Ctl {
 public:
  Ctl(Options o, FleetClient client) : o_(std::move(o)), client_(std::move(client)) {}

  // Runs o_.command; returns the exit status.
  int run();

 private:
  // ---- fleetctl_commands.cc ----
  int fail(const std::string& message);
  std::vector<std::string> fields(std::string_view defaults,
                                  std::span<const std::string_view> valid, std::string& error);
  int list_machines();
  int list_units();
  int list_unit_files();
  int stop_or_unload(const std::string& state);
  int destroy();
  int cat();

  // ---- fleetctl_units.cc ----
  // submit / load / start: `state` inactive, loaded, launched.
  int transition(const std::string& state);
  // Puts the unit for `arg` into the registry when it is missing (or --replace and allowed);
  // returns the registry's unit afterwards; `created` tells whether it was (re)created.
  Expected<ApiUnit, std::string> ensure_unit(const std::string& arg, const std::string& name,
                                             bool& created);
  Expected<ApiUnit, std::string> unit_from_files(const std::string& arg, const std::string& name);
  void warn_if_differs(const std::string& arg, const ApiUnit& unit);
  Expected<ApiUnit, std::string> wait_for_state(const std::string& name, const std::string& state);
  // Sets `state`, waits (unless --no-block) and prints the unit's state line.
  int set_and_wait(const std::string& name, const std::string& state, const MachineIndex& index);
  int restart();

  // ---- fleetctl_remote.cc ----
  int status();
  int journal();
  int ssh();
  int restart_global(const ApiUnit& unit);
  SshSettings ssh_settings(bool tty) const;
  // Runs `words` on the machine (locally when it is this host's /etc/machine-id).
  int run_on_machine(const std::string& machine_id, const std::vector<std::string>& words);
  int run_ssh(const std::string& host, const std::string& command, bool tty);
  // The unit's machine for status/journal, or an error message (exit 1).
  Expected<ApiUnit, std::string> unit_with_machine(const std::string& name, std::string_view cmd);
  Expected<ApiMachine, std::string> machine_by_id(const std::string& id);

  Options o_;
  FleetClient client_;
};

// The transport o's driver, endpoint and tunnel select. Errors: "Unable to initialize
// client: ..." material (the caller prefixes it).
Expected<Transport, std::string> make_transport(const Options& o);

// The ssh settings of the global flags (tty and forward_agent as given).
SshSettings ssh_settings_of(const Options& o, bool tty, const std::string& home);

}  // namespace corestack::fleet
