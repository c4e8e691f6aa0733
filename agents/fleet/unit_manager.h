// UnitManager: the fleet agent's executor (fleet systemd/manager.go, shared/reference/
// fleet.md §6, docs/fleet.md "Agent and systemd"). It owns the units directory (default
// /run/fleet/units/), writes the unit files fleet places on this machine, drives systemd
// through a SystemdManager and remembers what it did: the hash of every unit file there and
// the state it last drove each unit to. plan_agent_tasks() (agent_plan.h) decides; this
// runs the plan.
//
// Invariants: a unit is in current_units() exactly while its file is in the directory; a
// file is deleted only after systemd stopped its unit (fleet#1216: a unit whose stop failed
// keeps its file, so it can still be stopped later). After a restart every unit found on
// disk reads as inactive with the hash of its file, so the plan loads (and starts) it again.
//
// Errors are Expected values with a message; nothing throws. Threading: one thread (the
// agent loop), like the Bus underneath.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "agents/fleet/agent_plan.h"
#include "agents/fleet/expected.h"
#include "agents/fleet/registry_codec.h"
#include "agents/fleet/systemd_manager.h"
#include "agents/fleet/unit_file.h"

namespace corestack::fleet {

inline constexpr const char* kDefaultUnitsDir = "/run/fleet/units/";

class UnitManager {
 public:
  // The unit file a LoadUnit task writes, by unit name (the agent reads unit/<hash>).
  using UnitSource = std::function<Expected<UnitFile, std::string>(const std::string& name)>;

  // Creates `units_dir` (0755) when missing and hashes every unit file already there (the
  // SHA-1 of its parsed canonical form; of its bytes when it does not parse, so the plan
  // replaces it). Files that are not units of a type the agent manages are logged and
  // ignored. Errors: the directory cannot be created or read.
  static Expected<UnitManager, std::string> open(SystemdManager& systemd,
                                                 std::string units_dir = kDefaultUnitsDir);

  // Writes the canonical serialisation to <units_dir>/<name> (0644; temporary file, fsync,
  // rename), links it (runtime, force) and, when it has an [Install] section, enables it
  // (runtime, force); if enabling fails the file is removed again. The unit is then
  // `loaded` with unit.hash(). systemd sees it only after reload(). Errors: an invalid or
  // unmanaged name, the write, the link or the enable.
  Expected<void, std::string> load(const std::string& name, const UnitFile& unit);
  // Stops the unit; only once that succeeded: disables it, resets its failed state and
  // deletes the file (a failed disable or reset is logged; the unit is stopped either way).
  // Errors: not a unit of this manager, the stop (file and state kept), the delete.
  Expected<void, std::string> unload(const std::string& name);
  // systemd daemon-reload.
  Expected<void, std::string> reload();
  // StartUnit / StopUnit (replace); on success the unit's state becomes launched / loaded.
  Expected<void, std::string> start(const std::string& name);
  Expected<void, std::string> stop(const std::string& name);

  // Runs `tasks` in order and stops at the first failure. Load and unload only mark the
  // unit files dirty: one Reload runs at the batch's ReloadUnitFiles task, or before the
  // first stop/start that follows them, or at the end of the batch (also after a failure),
  // never more than once per group of changes. For plan_agent_tasks() output that is
  // exactly one Reload, after every load and unload, before any stop and start. LoadUnit
  // takes its file from `units`. The error names the failed task.
  Expected<void, std::string> execute(const std::vector<AgentTask>& tasks, const UnitSource& units);

  // The units in the directory: the state last driven to (inactive for files found at
  // open()) and their file's hash. The `current` argument of plan_agent_tasks().
  const std::map<std::string, CurrentUnit>& current_units() const { return units_; }
  // systemd's state of every unit this manager loaded or launched (not the inactive ones
  // found at open()), as the record the agent publishes under states/<name>/<machine_id>.
  Expected<std::map<std::string, UnitStateRecord>, std::string> poll_states(
      std::string_view machine_id);

  const std::string& units_dir() const { return dir_; }
  std::string unit_path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  UnitManager(SystemdManager& systemd, std::string dir) : systemd_(&systemd), dir_(dir) {}
  Expected<void, std::string> scan();
  Expected<void, std::string> run_task(const AgentTask& task, const UnitSource& units);
  Expected<void, std::string> reload_if_dirty();
  Expected<void, std::string> link_and_enable(const std::string& name, const UnitFile& unit);
  Expected<void, std::string> check_known(const std::string& name) const;
  void remove_from_systemd(const std::string& name);
  void set_state(const std::string& name, JobState state);

  SystemdManager* systemd_;
  std::string dir_;  // without a trailing '/'
  std::map<std::string, CurrentUnit> units_;
  bool reload_pending_ = false;  // files changed since the last successful Reload
};

}  // namespace corestack::fleet
