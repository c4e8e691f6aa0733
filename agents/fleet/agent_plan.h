// The agent's reconcile decisions (fleet agent/reconcile.go), as pure functions:
// which units belong on this machine (its scheduled units plus the global units it decides
// to run), and the ordered tasks that take the local units from their current state to
// that desired state. docs/fleet.md "The agent" states the rules.
//
// The agent shell reads the registry into AgentUnits, keeps CurrentUnits (state it last
// drove each unit to, hash of the file in its units directory), runs the tasks in order
// and stops at the first failure. Executing a task is the shell's business: LoadUnit
// writes the file and links it, StartUnit also writes job/<name>/job-state, StopUnit and
// UnloadUnit clear it.
//
// Pure and deterministic (name order). No I/O.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/fleet/job_state.h"
#include "agents/fleet/requirements.h"
#include "agents/fleet/sha1.h"

namespace corestack::fleet {

// One registry unit as an agent sees it.
struct AgentUnit {
  std::string name;
  Requirements requirements;
  JobState desired = JobState::inactive;
  std::optional<std::string> target;  // job/<name>/target (ignored for global units)
  UnitHash hash;
};

struct DesiredUnit {
  JobState state = JobState::inactive;
  UnitHash hash;

  bool operator==(const DesiredUnit&) const = default;
};

// A unit this machine could have run but will not, and why.
struct SkippedUnit {
  std::string name;
  std::string reason;

  bool operator==(const SkippedUnit&) const = default;
};

struct DesiredAgentState {
  std::map<std::string, DesiredUnit> units;
  std::vector<SkippedUnit> skipped;
};

// The units that belong on machine `machine_id` with effective metadata `metadata`, going
// through `units` in name order: non-global units targeted here, and global units whose
// MachineMetadata the machine has. A unit that conflicts (either way) with one already
// accepted is skipped, so among conflicting globals the first by name wins. Units whose
// desired state is inactive are kept (so they get unloaded) but neither block nor are
// blocked. Also skipped: types the agent does not manage (is_recognized_unit_type) and
// templates. `skipped` explains only units whose desired state is not inactive.
DesiredAgentState desired_agent_state(std::string_view machine_id,
                                      const std::map<std::string, std::string>& metadata,
                                      std::vector<AgentUnit> units);

// What the agent has locally: the state it last drove the unit to (inactive for a file
// found on disk after a restart) and the hash of its unit file.
struct CurrentUnit {
  JobState state = JobState::inactive;
  UnitHash hash;

  bool operator==(const CurrentUnit&) const = default;
};

enum class AgentTaskType { unload_unit, load_unit, reload_unit_files, stop_unit, start_unit };

struct AgentTask {
  AgentTaskType type = AgentTaskType::load_unit;
  std::string unit;  // empty for reload_unit_files
  std::string reason;

  bool operator==(const AgentTask&) const = default;
};

// fleet's names: "UnloadUnit", "LoadUnit", "ReloadUnitFiles", "StopUnit", "StartUnit".
std::string_view to_string(AgentTaskType type);

// Per unit, D = desired (absent = not desired here), C = current:
//   D absent or inactive, C present  -> Unload
//   C absent                         -> Load (+ Start when D is launched)
//   hashes differ                    -> Unload, Load (+ Start when D is launched)
//   C == D                           -> nothing
//   C inactive                       -> Load (+ Start when D is launched)
//   C loaded, D launched             -> Start
//   C launched, D loaded             -> Stop
// The result holds every Unload, then every Load, then one ReloadUnitFiles (only when
// something was loaded or unloaded), then every Stop, then every Start; name order
// within each group.
std::vector<AgentTask> plan_agent_tasks(const std::map<std::string, DesiredUnit>& desired,
                                        const std::map<std::string, CurrentUnit>& current);

}  // namespace corestack::fleet
