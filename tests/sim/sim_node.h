// SimNode: one simulated member — a raft::RawNode over a MemoryStorage that stands for the
// node's disk, plus the application (KvStateMachine) and the Ready loop that ties them
// together exactly as ready.h orders it: persist, send, apply, advance.
//
// Durable vs volatile: the MemoryStorage (entries, hard state, snapshot) and the last
// fsynced hard state survive a crash; the RawNode, the state machine, the applied index and
// the membership do not. restart() rebuilds them the way a real server does: state machine
// and applied index from the latest snapshot, raft from storage, committed entries after
// the snapshot replayed through Ready. A crash can also strike inside the Ready handler
// (before persisting, after persisting but before sending, after sending, after applying).
// Single-threaded; driven only by the World.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "etcd/common/random.h"
#include "etcd/raft/raw_node.h"
#include "etcd/raft/storage.h"
#include "tests/sim/client_ledger.h"
#include "tests/sim/fault_plan.h"
#include "tests/sim/kv_state_machine.h"
#include "tests/sim/safety_checker.h"
#include "tests/sim/sim_network.h"
#include "tests/sim/trace.h"

namespace etcd::sim {

// What a node reports to the world beyond the checkers.
class NodeEvents {
 public:
  virtual ~NodeEvents() = default;
  // The node applied the conf change at index, yielding membership `state`.
  virtual void on_conf_applied(NodeId node, Index index, const raft::ConfState& state) = 0;
};

// Everything a node shares with the rest of the world; owned by the World.
struct NodeEnv {
  const FaultPlan& plan;
  const uint64_t& now_tick;
  const bool& faults_on;  // false in the liveness phase: no crash inside a Ready
  Rng& fault_rng;
  SimNetwork& network;
  SafetyChecker& checker;
  ClientLedger& ledger;
  Trace& trace;
  NodeEvents& events;
};

enum class NodeState { running, paused, crashed, retired };
const char* to_string(NodeState state);

class SimNode {
 public:
  SimNode(NodeId id, uint64_t run_seed, NodeEnv& env);

  NodeId id() const { return id_; }
  NodeState state() const { return state_; }
  bool running() const { return state_ == NodeState::running; }
  // Counts starts; a client operation belongs to one incarnation.
  int incarnation() const { return incarnation_; }

  // A founding member: bootstraps the initial membership into empty storage and runs.
  void bootstrap(const std::vector<raft::ConfChange>& peers);
  // (Re)starts from durable storage: a joining node's first start, and every restart. A
  // founder whose bootstrap never reached its disk bootstraps again, as a server with no
  // WAL does.
  void restart();
  void crash(const char* why);
  void pause() { state_ = NodeState::paused; }
  void resume() { state_ = NodeState::running; }
  // A paused node's messages wait here until it resumes (a stopped process, not a lossy
  // link): the World re-queues them on resume.
  void hold(raft::Message message) { held_.push_back(std::move(message)); }
  std::vector<raft::Message> take_held() { return std::exchange(held_, {}); }
  // Removed from the cluster: stops for good (its storage is kept, to be re-added).
  void retire();

  // Raft inputs; precondition: running().
  raft::RawNode& raft() { return *raw_; }
  void tick() { raw_->tick(); }
  void step(const raft::Message& message);
  // Handles Ready batches until there are none left or the node crashes in one.
  void process_ready();

  const raft::MemoryStorage& storage() const { return storage_; }
  raft::Role role() const { return soft_.role; }
  NodeId leader() const { return soft_.leader; }
  Term term() const { return storage_.initial_state().hard_state.term; }
  Index commit() const { return storage_.initial_state().hard_state.commit; }
  Index applied() const { return applied_; }
  const KvStateMachine& state_machine() const { return machine_; }

 private:
  enum class CrashPoint { none, before_persist, after_persist, after_send, after_apply };

  raft::Config make_config();
  void bootstrap_raft();
  CrashPoint draw_crash_point();
  void handle_ready(raft::Ready ready);
  void persist(const raft::Ready& ready);
  void send(const raft::Ready& ready);
  void apply(const raft::Ready& ready);
  void apply_snapshot(const raft::Snapshot& snapshot);
  void apply_entry(const raft::Entry& entry);
  void maybe_take_snapshot(bool membership_changed);
  void note_role(const raft::SoftState& soft);

  NodeId id_;
  NodeEnv& env_;
  Rng rng_;  // election jitter; survives restarts (it is the node's, not raft's)
  TraceLogger logger_;
  NodeState state_ = NodeState::crashed;
  int incarnation_ = 0;

  std::vector<raft::ConfChange> founders_;  // empty unless this node bootstrapped

  // Durable.
  raft::MemoryStorage storage_;
  raft::HardState synced_hard_state_;

  // Volatile: lost on crash.
  std::unique_ptr<raft::RawNode> raw_;
  raft::SoftState soft_;
  KvStateMachine machine_;
  raft::ConfState conf_state_;
  Index applied_;
  Index snapshot_index_;  // of the latest snapshot in storage
  std::vector<raft::Message> held_;
};

// Every node of a run that was ever started, by id (ordered, so iteration is deterministic).
using NodeMap = std::map<NodeId, std::unique_ptr<SimNode>>;

}  // namespace etcd::sim
