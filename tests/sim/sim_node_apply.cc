// SimNode, second half: sending a Ready's messages and applying its snapshot and committed
// entries to the state machine (sim_node.cc has the lifecycle and persistence).
#include "etcd/raft/codec.h"
#include "tests/sim/sim_node.h"

namespace etcd::sim {

void SimNode::send(const raft::Ready& ready) {
  for (const raft::Message& m : ready.messages) {
    SendFate fate = env_.network.send(env_.now_tick, m);
    if (env_.trace.enabled()) {
      static constexpr const char* kFates[] = {"send", "lose", "send twice"};
      env_.trace.add(env_.now_tick, "{} {}", kFates[static_cast<int>(fate)], describe(m));
    }
    // The transport tells raft how a snapshot transfer ended (etcd's ReportSnapshot); a
    // snapshot lost on the wire is reported failed on the next tick.
    if (m.type == raft::MessageType::snapshot && fate == SendFate::dropped) {
      raft::Message report;
      report.type = raft::MessageType::snap_status;
      report.to = id_;
      report.from = m.to;
      report.reject = true;
      env_.network.send_reliable(env_.now_tick + 1, report);
    }
  }
}

void SimNode::apply(const raft::Ready& ready) {
  if (ready.snapshot) apply_snapshot(*ready.snapshot);
  bool membership_changed = false;
  for (const raft::Entry& entry : ready.committed_entries) {
    apply_entry(entry);
    membership_changed |= entry.type == raft::EntryType::conf_change;
  }
  for (const raft::ReadState& read : ready.read_states) {
    env_.ledger.on_read_state(env_.now_tick, id_, incarnation_, read);
  }
  env_.ledger.serve_reads(env_.now_tick, id_, incarnation_, machine_);
  maybe_take_snapshot(membership_changed);
}

void SimNode::apply_snapshot(const raft::Snapshot& snapshot) {
  auto machine = KvStateMachine::decode(snapshot.data);
  if (!machine.ok() || machine->applied() != snapshot.metadata.index) {
    env_.checker.fail(env_.now_tick, fmt::format("n{}: snapshot {} does not hold the state at "
                                                 "its index",
                                                 id_.value, snapshot.metadata.index.value));
    return;
  }
  machine_ = std::move(machine).value();
  conf_state_ = snapshot.metadata.conf_state;
  applied_ = snapshot.metadata.index;
  snapshot_index_ = snapshot.metadata.index;
  env_.trace.add(env_.now_tick, "n{} restores snapshot {}:{}", id_.value,
                 snapshot.metadata.index.value, snapshot.metadata.term.value);
  env_.checker.on_snapshot_restored(env_.now_tick, id_, snapshot.metadata, machine_.hash());
}

void SimNode::apply_entry(const raft::Entry& entry) {
  if (entry.index != applied_ + 1) {
    env_.checker.fail(env_.now_tick, fmt::format("n{} is handed {} to apply after applying {}",
                                                 id_.value, describe(entry), applied_.value));
    return;
  }
  if (entry.type == raft::EntryType::conf_change && !entry.data.empty()) {
    auto change = raft::decode_conf_change(entry.data);
    if (!change.ok()) {
      env_.checker.fail(env_.now_tick, fmt::format("n{}: undecodable conf change at index {}",
                                                   id_.value, entry.index.value));
      return;
    }
    conf_state_ = raw_->apply_conf_change(*change);
    env_.trace.add(env_.now_tick, "n{} applies conf change at {}: {}", id_.value, entry.index.value,
                   describe(conf_state_));
    env_.checker.on_conf_applied(env_.now_tick, id_, entry.index, conf_state_);
    env_.events.on_conf_applied(id_, entry.index, conf_state_);
  }
  machine_.apply(entry);
  applied_ = entry.index;
  env_.checker.on_apply(env_.now_tick, id_, entry, machine_.hash(), commit());
  if (entry.type != raft::EntryType::normal) return;
  if (auto write = decode_write(entry.data)) {
    env_.ledger.on_applied_write(env_.now_tick, id_, incarnation_, entry.index, *write);
  }
}

// The application snapshots every `snapshot_interval_entries` and compacts the log behind
// it, so lagging and restarting followers need InstallSnapshot. It also snapshots right
// after a membership change: raft sends the latest stored snapshot to a follower that needs
// one, and a follower ignores a snapshot whose ConfState does not contain it (as in
// etcd-io/raft), so a snapshot older than the change that added a member could never
// bring that member up (etcd's server sends a snapshot at its current applied index).
void SimNode::maybe_take_snapshot(bool membership_changed) {
  uint32_t interval = env_.plan.snapshot_interval_entries;
  if (interval == 0 || applied_ == snapshot_index_) return;
  if (!membership_changed && applied_ < snapshot_index_ + interval) return;
  auto snapshot = storage_.create_snapshot(applied_, conf_state_, machine_.encode());
  if (!snapshot.ok()) {
    env_.checker.fail(env_.now_tick, fmt::format("n{}: create_snapshot({}) failed: {}", id_.value,
                                                 applied_.value, snapshot.error().message));
    return;
  }
  snapshot_index_ = applied_;
  uint64_t keep = env_.plan.compact_keep_entries;
  if (applied_.value <= keep) return;
  Index compact_to = applied_ - keep;
  if (compact_to <= storage_.first_index()) return;
  auto compacted = storage_.compact(compact_to);
  if (!compacted.ok()) {
    env_.checker.fail(env_.now_tick, fmt::format("n{}: compact({}) failed: {}", id_.value,
                                                 compact_to.value, compacted.error().message));
    return;
  }
  env_.trace.add(env_.now_tick, "n{} snapshots at {} and compacts to {}", id_.value, applied_.value,
                 compact_to.value);
}

}  // namespace etcd::sim
