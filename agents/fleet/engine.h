// Engine: fleet's cluster scheduler loop (fleet engine/engine.go, engine/reconciler.go;
// docs/fleet.md "Registry and engine"). Every fleetd may run one; only the holder of
// lease/engine-leader acts. A round:
//  1. renews its lease (CAS on the modifiedIndex), or acquires a free one (create-only),
//     or steals one held at an older engine version (then waits out the old holder's
//     remaining TTL before acting); lease TTL = 5 x reconcile interval;
//  2. refuses to act when engine/version is newer than its own (upgrades an older one);
//  3. reads units, jobs and machines (one GET each), builds the ClusterModel and runs
//     plan_engine_round;
//  4. applies the decisions in order (schedule = create-only target, unschedule = delete
//     with prevValue), stopping if the lease could have expired meanwhile;
//  5. writes why each unplaced job is unschedulable (job/<name>/unschedulable, TTL = the
//     lease TTL) and clears reasons of jobs that were placed.
// run_until_stopped() repeats rounds every interval, and early when a watched change
// (a job's target / target-state / object, a job destroyed, a machine appearing or
// going) arrives from a ChangeSource.
//
// One thread runs an Engine; its Registry is not shared. Time comes from an injected
// clock so tests are deterministic.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agents/etcdclient/config.h"
#include "agents/fleet/registry.h"
#include "agents/fleet/scheduler.h"

namespace corestack::fleet {

using EngineClock = std::chrono::steady_clock;

struct EngineOptions {
  std::string machine_id;  // this host's machine ID (the lease holder's name)
  int engine_version = 1;  // fleet's engine version; engine/version above it stops us
  // engine_reconcile_interval; the lease TTL is 5 x this, rounded up to whole seconds.
  std::chrono::milliseconds reconcile_interval{2000};
  // Monotonic time for lease deadlines and the round timer (default steady_clock::now).
  std::function<EngineClock::time_point()> clock;
  // After a round that failed (etcd unreachable), machines that vanished meanwhile get this
  // long to register again before their units are moved: their keys expired because
  // nobody could reach etcd, not because they died (fleetd: the machine heartbeat period
  // plus the etcd request timeout). 0: no grace.
  std::chrono::milliseconds outage_grace{0};
};

enum class RoundOutcome {
  acted,           // leader: decisions planned and applied
  not_leader,      // another engine holds the lease
  stealing,        // took an older engine's lease; waiting out its remaining TTL
  version_behind,  // engine/version is newer than ours: not acting
  lease_expired,   // the round ran past the lease; the rest was not applied
  failed,          // etcd failed (message says how); nothing more this round
  settling,        // just after an outage, a target machine is missing: waiting for it
};

std::string_view to_string(RoundOutcome outcome);

struct RoundResult {
  RoundOutcome outcome = RoundOutcome::not_leader;
  std::vector<Decision> decisions;  // as planned, in order (acted / lease_expired)
  std::size_t writes_applied = 0;   // schedule/unschedule writes that succeeded
  std::size_t writes_failed = 0;    // refused by etcd (a race): the next round fixes it
  uint64_t requests = 0;            // etcd requests this round
  std::string message;
};

// A change seen by a watch: the node's key, the action, its modifiedIndex.
struct ChangeEvent {
  std::string key;
  std::string action;
  uint64_t index = 0;
};

// Whether a change under job/ can alter what an agent runs: a job's target, target-state
// or object, a destroyed job, or a watch resync. Not job-state heartbeats nor
// unschedulable reasons (every agent's own writes: waking on them made each heartbeat cost
// a reconcile on every host).
bool changes_job_placement(const KeySchema& keys, const ChangeEvent& event);

// Where run_until_stopped learns about changes. wait_for_changes blocks for at most
// `timeout` and returns what arrived meanwhile (maybe nothing).
class ChangeSource {
 public:
  virtual ~ChangeSource() = default;
  virtual std::vector<ChangeEvent> wait_for_changes(std::chrono::milliseconds timeout) = 0;
};

class Engine {
 public:
  Engine(Registry& registry, EngineOptions options);

  // One round at `now` (the options' clock is read again before every write).
  RoundResult run_round(EngineClock::time_point now);

  // Rounds until `stop` is set: one at once, then each `reconcile_interval` after the
  // previous one started, or earlier when `changes` reports a change that wakes().
  void run_until_stopped(const std::atomic<bool>& stop, ChangeSource& changes);

  // Gives up the lease (graceful shutdown) so another engine takes over at once.
  void release_lease();

  bool is_leader() const { return lease_.has_value() && !stealing_; }
  std::chrono::seconds lease_ttl() const { return lease_ttl_; }
  // Whether `event` should start a round early: a job's target / target-state / object
  // or a destroyed job, a machine object created or removed; never one this engine has
  // already seen (index <= the registry's last index after our last round).
  bool wakes(const ChangeEvent& event) const;

 private:
  RoundOutcome lead(EngineClock::time_point now, std::string& message);
  RoundOutcome take_free_or_old_lease(EngineClock::time_point now, std::string& message);
  RoundOutcome check_version(std::string& message);
  RoundOutcome reconcile(EngineClock::time_point now, RoundResult& result);
  std::optional<std::string> missing_target(const std::vector<RegistryJob>& jobs,
                                            const std::vector<MachineRecord>& machines) const;
  bool apply(const Decision& decision, RoundResult& result);
  void publish_reasons(const std::vector<Decision>& decisions,
                       const std::vector<RegistryJob>& jobs);
  void purge_states_of_lost_machines(const std::vector<MachineRecord>& machines);
  bool lease_valid() const { return options_.clock() < lease_deadline_; }

  Registry& registry_;
  EngineOptions options_;
  std::chrono::seconds lease_ttl_;
  std::optional<EngineLease> lease_;
  bool stealing_ = false;
  EngineClock::time_point lease_deadline_{};
  EngineClock::time_point act_not_before_{};
  uint64_t seen_index_ = 0;
  bool in_outage_ = false;  // the last round failed
  // Machines of the last acted round; nullopt after gaining the lease (states unchecked).
  std::optional<std::set<std::string>> live_machines_;
  std::optional<EngineClock::time_point> recovered_at_;
};

// The ChangeSource fleetd uses: two watch threads, each on its own Client made from
// `config` — job/ and machines/ under `keys`, recursive — queueing every event (a 401
// resync is reported as an event on the directory). `poll` bounds each long-poll (an idle
// watch re-polls that often); the destructor cancels polls in flight (Config::cancel), so
// it returns within about a second whatever `poll` is.
class EtcdChangeSource : public ChangeSource {
 public:
  // What each side needs: the engine both directories, an agent only job/.
  enum class Watch { jobs_and_machines, jobs };
  EtcdChangeSource(const etcd::client::Config& config, const KeySchema& keys,
                   std::chrono::milliseconds poll = std::chrono::seconds(60),
                   Watch what = Watch::jobs_and_machines);
  ~EtcdChangeSource() override;
  EtcdChangeSource(const EtcdChangeSource&) = delete;
  EtcdChangeSource& operator=(const EtcdChangeSource&) = delete;

  std::vector<ChangeEvent> wait_for_changes(std::chrono::milliseconds timeout) override;

  // A second reader of the same watches (fleetd: the agent beside the engine, so each
  // event costs one watch request per host, not two): every event from now on is queued
  // for it as well. It must not outlive this source; once it is destroyed nothing more
  // is queued for it.
  std::unique_ptr<ChangeSource> subscribe();

 private:
  struct Queue {
    std::mutex mu;
    std::condition_variable arrived;
    std::vector<ChangeEvent> events;
    std::vector<ChangeEvent> wait(std::chrono::milliseconds timeout);
  };
  class Subscriber;

  void watch(const std::string& dir);
  void push(const ChangeEvent& event);

  etcd::client::Config config_;
  std::chrono::milliseconds poll_;
  std::atomic<bool> stop_{false};
  Queue own_;
  std::mutex subscribers_mu_;
  std::vector<std::weak_ptr<Queue>> subscribers_;
  std::vector<std::thread> threads_;
};

}  // namespace corestack::fleet
