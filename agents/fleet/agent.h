// Agent: fleetd's local executor (docs/fleet.md "Agent"). Each reconcile round reads the
// desired state of every job, decides which units belong on this machine (its scheduled
// jobs plus the global units it qualifies for), plans the tasks against what it runs now
// and executes them as one batch (one daemon-reload after all files are written, before
// any start). Between rounds it publishes the unit states systemd reports: a changed state
// at once, every state again each refresh interval, each with the agent TTL, plus the
// job-state heartbeat of every launched unit.
//
// The agent sees etcd and systemd through two ports (AgentRegistry, UnitExecutor) that
// fleetd adapts from Registry and UnitManager, so its decisions are tested with fakes.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agents/fleet/agent_plan.h"
#include "agents/fleet/expected.h"
#include "agents/fleet/registry_codec.h"
#include "agents/fleet/unit_file.h"

namespace corestack::fleet {

// One job as the registry has it.
struct JobRecord {
  std::string name;
  UnitHash hash;
  JobState desired = JobState::inactive;
  std::optional<std::string> target;
};

class AgentRegistry {
 public:
  virtual ~AgentRegistry() = default;
  virtual Expected<std::vector<JobRecord>, std::string> jobs() = 0;
  // The unit files by hash (unit/<sha1>).
  virtual Expected<std::map<UnitHash, UnitFile>, std::string> units() = 0;
  virtual Expected<Done, std::string> set_job_state(const std::string& unit,
                                                    std::chrono::seconds ttl) = 0;
  virtual Expected<Done, std::string> clear_job_state(const std::string& unit) = 0;
  virtual Expected<Done, std::string> publish_state(const std::string& unit,
                                                    const UnitStateRecord& state,
                                                    std::chrono::seconds ttl) = 0;
  virtual Expected<Done, std::string> remove_state(const std::string& unit) = 0;
};

// systemd's view of the units this agent manages (state as systemd reports it).
struct SystemdState {
  std::string load_state;
  std::string active_state;
  std::string sub_state;
  bool operator==(const SystemdState&) const = default;
};

class UnitExecutor {
 public:
  virtual ~UnitExecutor() = default;
  // The units this agent runs: on disk (hash of each file) and the state it last drove.
  virtual std::map<std::string, CurrentUnit> current_units() = 0;
  // Runs `tasks` in order, stopping at the first failure; `files` has the unit file of
  // every unit a load_unit task names.
  virtual Expected<Done, std::string> execute(const std::vector<AgentTask>& tasks,
                                              const std::map<std::string, UnitFile>& files) = 0;
  virtual std::map<std::string, SystemdState> poll_states() = 0;
};

struct AgentOptions {
  std::string machine_id;
  std::map<std::string, std::string> metadata;  // effective metadata of this machine
  std::chrono::seconds ttl{30};                 // agent_ttl
};

// What one reconcile round did.
struct AgentRound {
  std::vector<AgentTask> tasks;      // planned (executed up to the first failure)
  std::vector<SkippedUnit> skipped;  // units that could not be placed here, with why
};

class Agent {
 public:
  Agent(AgentOptions options, AgentRegistry& registry, UnitExecutor& executor);

  // One round: read, plan, execute; job-state keys follow start/stop/unload.
  Expected<AgentRound, std::string> reconcile();

  // Polls systemd and publishes what changed; with `everything`, every state again (the
  // refresh that keeps the TTLs alive) and the job-state heartbeats of launched units.
  void publish(bool everything);

 private:
  Expected<std::vector<AgentUnit>, std::string> desired_units(
      std::map<std::string, UnitFile>& files);
  void follow_job_states(const std::vector<AgentTask>& tasks);

  AgentOptions options_;
  AgentRegistry& registry_;
  UnitExecutor& executor_;
  std::map<std::string, SystemdState> published_;
  std::map<std::string, UnitHash> hashes_;  // of the units we run, for the state records
};

}  // namespace corestack::fleet
