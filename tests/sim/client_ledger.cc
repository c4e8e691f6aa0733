#include "tests/sim/client_ledger.h"

#include <algorithm>

namespace etcd::sim {

uint64_t ClientLedger::begin_write(uint64_t tick, NodeId node, int incarnation,
                                   const std::string& key) {
  uint64_t id = next_write_++;
  WriteOp op;
  op.node = node;
  op.incarnation = incarnation;
  op.key = key;
  op.invoke_tick = tick;
  op.acked_before = acked_max_;
  writes_.emplace(id, op);
  return id;
}

void ClientLedger::on_applied_write(uint64_t tick, NodeId node, int incarnation, Index index,
                                    const WriteCommand& command) {
  auto it = writes_.find(command.op_id);
  if (it == writes_.end()) {
    checker_.fail(tick, fmt::format("n{} applies write w{} that no client issued", node.value,
                                    command.op_id));
    return;
  }
  WriteOp& op = it->second;
  op.applied = true;
  if (op.status != WriteOp::Status::pending || op.node != node || op.incarnation != incarnation) {
    return;
  }
  op.status = WriteOp::Status::acked;
  op.ack_tick = tick;
  op.index = index;
  trace_.add(tick, "client: w{} acked by n{} at index {}", command.op_id, node.value, index.value);
  if (index <= op.acked_before) {
    checker_.fail(tick, fmt::format("write w{} got index {} though write at index {} was "
                                    "acknowledged before it was invoked",
                                    command.op_id, index.value, op.acked_before.value));
  }
  acked_max_ = std::max(acked_max_, index);
  Index& key_index = key_acked_[op.key];
  key_index = std::max(key_index, index);
}

std::string ClientLedger::begin_read(uint64_t tick, NodeId node, int incarnation,
                                     const std::string& key) {
  std::string ctx = "r" + std::to_string(next_read_++);
  ReadOp op;
  op.node = node;
  op.incarnation = incarnation;
  op.key = key;
  op.invoke_tick = tick;
  op.acked_before = acked_max_;
  op.committed_before = checker_.committed_max();
  auto key_it = key_acked_.find(key);
  op.key_acked_before = key_it == key_acked_.end() ? Index{0} : key_it->second;
  reads_.emplace(ctx, op);
  return ctx;
}

void ClientLedger::on_read_state(uint64_t tick, NodeId node, int incarnation,
                                 const raft::ReadState& state) {
  auto it = reads_.find(state.request_ctx);
  if (it == reads_.end()) {
    checker_.fail(tick, fmt::format("n{} got a ReadState for unknown context '{}'", node.value,
                                    state.request_ctx));
    return;
  }
  ReadOp& op = it->second;
  trace_.add(tick, "client: read {} of n{} answered on n{} with index {}", state.request_ctx,
             op.node.value, node.value, state.index.value);
  if (state.index < op.acked_before) {
    checker_.fail(
        tick, fmt::format("stale read: {} on n{} got read index {} but a write at "
                          "index {} was acknowledged before the read began",
                          state.request_ctx, node.value, state.index.value, op.acked_before.value));
  } else if (state.index < op.committed_before) {
    checker_.fail(tick, fmt::format("stale read index: {} on n{} got read index {} but index {} "
                                    "was committed before the read began (thesis §6.4)",
                                    state.request_ctx, node.value, state.index.value,
                                    op.committed_before.value));
  }
  // A follower forwards any read_index it gets, so a request that went through two
  // followers is answered to the second one (as in etcd): it checks, but is not served.
  if (op.answered || op.node != node || op.incarnation != incarnation) return;
  op.answered = true;
  to_serve_[node].push_back(PendingServe{state.request_ctx, state.index});
}

void ClientLedger::serve_reads(uint64_t tick, NodeId node, int incarnation,
                               const KvStateMachine& state) {
  auto it = to_serve_.find(node);
  if (it == to_serve_.end()) return;
  std::vector<PendingServe>& pending = it->second;
  auto ready = std::stable_partition(pending.begin(), pending.end(), [&](const PendingServe& p) {
    return p.index > state.applied();
  });
  for (auto p = ready; p != pending.end(); ++p) {
    ReadOp& op = reads_.at(p->ctx);
    if (op.incarnation != incarnation) continue;
    op.served = true;
    ++reads_served_;
    const KvStateMachine::Value* value = state.get(op.key);
    Index seen = value ? value->index : Index{0};
    trace_.add(tick, "client: read {} served by n{}: {}={}", p->ctx, node.value, op.key,
               value ? "w" + std::to_string(value->op_id) : std::string("<none>"));
    if (seen < op.key_acked_before) {
      checker_.fail(tick,
                    fmt::format("stale read: {} on n{} returned {} written at index {} "
                                "but the write at index {} was acknowledged before",
                                p->ctx, node.value, op.key, seen.value, op.key_acked_before.value));
    }
  }
  pending.erase(ready, pending.end());
}

void ClientLedger::on_crash(NodeId node) {
  to_serve_.erase(node);
}

}  // namespace etcd::sim
