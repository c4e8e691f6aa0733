#include "tests/sim/sim_node.h"

#include "etcd/raft/codec.h"
#include "tests/sim/sim_hash.h"

namespace etcd::sim {

const char* to_string(NodeState state) {
  switch (state) {
    case NodeState::running:
      return "running";
    case NodeState::paused:
      return "paused";
    case NodeState::crashed:
      return "crashed";
    case NodeState::retired:
      return "retired";
  }
  return "?";
}

SimNode::SimNode(NodeId id, uint64_t run_seed, NodeEnv& env)
    : id_(id), env_(env), rng_(mix(run_seed, id.value)), logger_(env.trace, env.now_tick) {}

raft::Config SimNode::make_config() {
  const FaultPlan& plan = env_.plan;
  raft::Config config;
  config.id = id_;
  config.election_ticks = plan.election_ticks;
  config.heartbeat_ticks = plan.heartbeat_ticks;
  config.storage = &storage_;
  config.applied = applied_;
  config.max_size_per_msg_bytes = plan.max_size_per_msg_bytes;
  config.max_committed_size_per_ready_bytes = plan.max_committed_size_per_ready_bytes;
  config.max_uncommitted_entries_bytes = plan.max_uncommitted_entries_bytes;
  config.max_inflight_msgs = plan.max_inflight_msgs;
  config.check_quorum = plan.check_quorum;
  config.pre_vote = plan.pre_vote;
  config.rng = &rng_;
  config.logger = env_.trace.enabled() ? &logger_ : nullptr;
  return config;
}

void SimNode::bootstrap(const std::vector<raft::ConfChange>& peers) {
  founders_ = peers;
  restart();
}

void SimNode::bootstrap_raft() {
  auto result = raw_->bootstrap(founders_);
  if (!result.ok()) {
    env_.checker.fail(env_.now_tick,
                      fmt::format("n{}: bootstrap failed: {}", id_.value, result.error().message));
  }
}

void SimNode::restart() {
  machine_ = KvStateMachine{};
  conf_state_ = raft::ConfState{};
  applied_ = Index{0};
  soft_ = raft::SoftState{};
  auto snapshot = storage_.snapshot();
  if (snapshot.ok() && !snapshot->empty()) {
    auto machine = KvStateMachine::decode(snapshot->data);
    if (!machine.ok()) {
      env_.checker.fail(env_.now_tick, fmt::format("n{}: {}", id_.value, machine.error().message));
    } else {
      machine_ = std::move(machine).value();
    }
    conf_state_ = snapshot->metadata.conf_state;
    applied_ = snapshot->metadata.index;
  }
  snapshot_index_ = applied_;
  raft::Config config = make_config();
  auto valid = config.validate();
  ETCD_ASSERT(valid.ok(), "the fault plan produced an invalid raft config");
  raw_ = std::make_unique<raft::RawNode>(config);
  ++incarnation_;
  state_ = NodeState::running;
  raft::HardState durable = storage_.initial_state().hard_state;
  env_.trace.add(env_.now_tick, "n{} starts (incarnation {}) term={} commit={} applied={}",
                 id_.value, incarnation_, durable.term.value, durable.commit.value, applied_.value);
  env_.checker.on_restart(env_.now_tick, id_, durable, raw_->status().hard_state);
  bool pristine = storage_.last_index() == Index{0} && durable.empty();
  if (!founders_.empty() && pristine) bootstrap_raft();
}

void SimNode::crash(const char* why) {
  raw_.reset();
  machine_ = KvStateMachine{};
  conf_state_ = raft::ConfState{};
  applied_ = Index{0};
  soft_ = raft::SoftState{};
  if (env_.plan.lose_unsynced_commit) {
    // The commit index written without an fsync is lost; the snapshot still implies its own.
    raft::HardState hard_state = storage_.initial_state().hard_state;
    Index floor = std::max(synced_hard_state_.commit, snapshot_index_);
    if (hard_state.commit > floor) {
      hard_state.commit = floor;
      storage_.set_hard_state(hard_state);
    }
  }
  state_ = NodeState::crashed;
  env_.ledger.on_crash(id_);
  env_.trace.add(env_.now_tick, "n{} crashes {}", id_.value, why);
}

void SimNode::retire() {
  if (raw_) crash("(retired)");
  held_.clear();
  state_ = NodeState::retired;
  env_.trace.add(env_.now_tick, "n{} retires (removed from the cluster)", id_.value);
}

void SimNode::step(const raft::Message& message) {
  auto result = raw_->step(message);
  if (!result.ok() && env_.trace.enabled()) {
    env_.trace.add(env_.now_tick, "n{} step error: {}", id_.value, result.error().message);
  }
}

void SimNode::process_ready() {
  // Without new input, every Ready but a few must make progress: persist entries, install
  // a snapshot or hand out committed entries (all bounded by the log). A run of Readies
  // that do none of that means has_ready() never settles.
  int idle_rounds = 0;
  while (running() && raw_->has_ready()) {
    raft::Ready ready = raw_->ready();
    bool progress =
        !ready.entries_to_persist.empty() || ready.snapshot || !ready.committed_entries.empty();
    idle_rounds = progress ? 0 : idle_rounds + 1;
    if (idle_rounds > 100) {
      env_.checker.fail(env_.now_tick, fmt::format("n{}: has_ready() stays true through 100 "
                                                   "Readies with nothing to persist or apply",
                                                   id_.value));
      return;
    }
    handle_ready(std::move(ready));
  }
}

SimNode::CrashPoint SimNode::draw_crash_point() {
  if (!env_.faults_on || !env_.fault_rng.chance(env_.plan.crash_in_ready_per_mille, 1000)) {
    return CrashPoint::none;
  }
  return static_cast<CrashPoint>(1 + env_.fault_rng.below(4));
}

// ready.h: persist, send, apply, advance — with an optional crash between the steps.
void SimNode::handle_ready(raft::Ready ready) {
  CrashPoint crash_at = draw_crash_point();
  bool leader_after = ready.soft_state ? ready.soft_state->role == raft::Role::leader
                                       : soft_.role == raft::Role::leader;
  env_.checker.on_ready(env_.now_tick, id_, storage_, ready, leader_after);
  if (crash_at == CrashPoint::before_persist) return crash("before persisting a Ready");
  persist(ready);
  env_.checker.on_persisted(env_.now_tick, id_, storage_, ready);
  if (ready.soft_state) note_role(*ready.soft_state);
  if (crash_at == CrashPoint::after_persist) return crash("after persisting, before sending");
  send(ready);
  if (crash_at == CrashPoint::after_send) return crash("after sending, before applying");
  apply(ready);
  if (crash_at == CrashPoint::after_apply) return crash("after applying, before advance");
  raw_->advance(ready);
}

void SimNode::persist(const raft::Ready& ready) {
  if (ready.snapshot) {
    auto result = storage_.apply_snapshot(*ready.snapshot);
    if (!result.ok()) {
      env_.checker.fail(env_.now_tick,
                        fmt::format("n{}: cannot persist snapshot {}: {}", id_.value,
                                    ready.snapshot->metadata.index.value, result.error().message));
    }
  }
  if (!ready.entries_to_persist.empty()) {
    auto result = storage_.append(ready.entries_to_persist);
    if (!result.ok()) {
      env_.checker.fail(env_.now_tick, fmt::format("n{}: cannot persist entries {}: {}", id_.value,
                                                   describe_entries(ready.entries_to_persist),
                                                   result.error().message));
    }
  }
  if (ready.hard_state) storage_.set_hard_state(*ready.hard_state);
  if (ready.must_sync || ready.snapshot) {
    synced_hard_state_ = storage_.initial_state().hard_state;
  }
}

void SimNode::note_role(const raft::SoftState& soft) {
  bool changed = soft.role != soft_.role;
  soft_ = soft;
  if (!changed) return;
  env_.trace.add(env_.now_tick, "n{} becomes {} in term {}", id_.value, raft::to_string(soft.role),
                 term().value);
  env_.checker.on_role(env_.now_tick, id_, term(), soft.role);
}

}  // namespace etcd::sim
