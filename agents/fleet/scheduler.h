// The engine's scheduling decisions (fleet engine/reconciler.go, engine/scheduler.go,
// agent/state.go AbleToRun), as a pure function of a cluster model; docs/fleet.md
// "Scheduling" states the rules. The engine shell builds a ClusterModel from the registry
// (units, targets, live machines with their effective metadata), calls
// plan_engine_round, and writes each decision (schedule = create job/<name>/target,
// unschedule = delete it with prevValue); it logs or publishes the unschedulable ones.
//
// Pure and deterministic: everything iterates in name / machine-ID order. No I/O, no
// clock. One thread at a time per model.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agents/fleet/expected.h"
#include "agents/fleet/job_state.h"
#include "agents/fleet/requirements.h"

namespace corestack::fleet {

// A live machine: one with a machines/<id>/object.
struct ClusterMachine {
  std::string id;
  std::string public_ip;
  std::map<std::string, std::string> metadata;  // effective (object + metadata/ overlay)
};

// A unit in the registry. Global units (requirements.global) are never scheduled: the
// engine only counts them where their metadata matches.
struct ClusterJob {
  std::string name;
  Requirements requirements;
  JobState desired = JobState::inactive;
  std::optional<std::string> target;  // job/<name>/target
};

class ClusterModel {
 public:
  ClusterModel() = default;
  ClusterModel(std::vector<ClusterMachine> machines, std::vector<ClusterJob> jobs);

  void add_machine(ClusterMachine machine);
  void remove_machine(std::string_view id);
  void add_job(ClusterJob job);  // replaces a job of the same name

  const std::map<std::string, ClusterMachine, std::less<>>& machines() const { return machines_; }
  const std::map<std::string, ClusterJob, std::less<>>& jobs() const { return jobs_; }
  const ClusterMachine* machine(std::string_view id) const;
  const ClusterJob* job(std::string_view name) const;

  // What the engine sees on a machine (fleet's AgentState.Units): non-global jobs
  // targeted there whose desired state is not inactive, plus non-inactive global jobs
  // whose MachineMetadata the machine has. Name order.
  std::vector<const ClusterJob*> units_on(std::string_view machine_id) const;
  std::size_t load(std::string_view machine_id) const { return units_on(machine_id).size(); }

  // Set / clear job/<name>/target in the model. Preconditions: the job exists.
  void schedule(std::string_view name, std::string_view machine_id);
  void unschedule(std::string_view name);

 private:
  std::map<std::string, ClusterMachine, std::less<>> machines_;
  std::map<std::string, ClusterJob, std::less<>> jobs_;
  // target machine -> non-global jobs targeted there (any desired state).
  std::map<std::string, std::set<std::string>, std::less<>> targeted_;
  std::set<std::string> globals_;  // names of global jobs (any desired state)
};

// Whether `machine` may run `job` given what the model has on it: the MachineID pin (full
// ID or its first 8 characters), MachineMetadata, every MachineOf peer on the machine, no
// conflict either way (my globs vs. their names, their globs vs. my name), and no unit
// there that replaces this one (one-way; a circular Replaces pair is ignored). The error
// is a sentence for humans, e.g. `conflicts with unit b.service on this machine`.
Expected<void, std::string> able_to_run(const ClusterJob& job, const ClusterMachine& machine,
                                        const ClusterModel& model);

enum class DecisionKind {
  unschedule,    // delete job/<name>/target (machine_id = the old target)
  schedule,      // create job/<name>/target = machine_id
  unschedulable  // no machine can take it this round; reason + details say why
};

struct Decision {
  DecisionKind kind = DecisionKind::schedule;
  std::string job;
  std::string machine_id;
  std::string reason;
  // unschedulable: one line per live machine, "<machine id>: <why not>".
  std::vector<std::string> details;

  bool operator==(const Decision&) const = default;
};

// One engine round, applied to `model` as it goes so that later decisions see earlier
// ones:
//  1. every scheduled non-global job is unscheduled when its desired state is inactive,
//     its target machine is gone, or able_to_run fails there (repeated until stable, so
//     MachineOf followers leave with their peer);
//  2. every unscheduled non-global job with desired state != inactive goes to the first
//     machine, by (load ascending, machine ID ascending), that is able to run it; units
//     there that it replaces are unscheduled and placed again elsewhere (each job is
//     moved at most once per round). Jobs whose peer is placed later in the same pass get
//     another pass;
//  3. steps 1-2 repeat (at most 4 times) while they change something; every job still
//     unplaced gets an `unschedulable` decision.
// Decisions are returned in the order they were made; applying them in that order gives
// the model's final state (a job may be scheduled and later unscheduled in one round, e.g.
// a follower whose peer was displaced).
std::vector<Decision> plan_engine_round(ClusterModel& model);

// One line for logs: "schedule a.service on <id>: <reason>", etc.
std::string to_string(const Decision& decision);

}  // namespace corestack::fleet
