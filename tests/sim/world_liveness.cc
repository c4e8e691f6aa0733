// World, liveness phase. After the fault phase everything is healed (no loss, one tick of
// latency, partitions gone, every member up). Then:
//   1. within 20 election timeouts a stable leader must emerge (every running member
//      follows it);
//   2. the client re-submits to that leader every write whose outcome it never learned,
//      plus one fresh write; raft does not promise delivery of a proposal that was
//      forwarded or dropped, so "pending" means these re-submissions, and each must be
//      applied (re-submitted again to a new leader, or when the leader refused it);
//   3. every member must converge: applied == the leader's commit, equal state hashes.
// Steps 2-3 may take as long as they keep making progress; the run fails if nothing moves
// (no new commit, no member applying or appending more) for 20 election timeouts.
#include <algorithm>

#include "tests/sim/world.h"

namespace etcd::sim {
namespace {

constexpr uint64_t kLivenessTicksMax = 50000;

}  // namespace

bool World::run_liveness() {
  faults_on_ = false;
  network_.calm();
  injector_.heal_everything(now_tick_, members());
  const uint64_t stall_ticks = 20 * static_cast<uint64_t>(plan_.election_ticks);
  const uint64_t start = now_tick_;
  uint64_t last_progress_tick = now_tick_;
  uint64_t last_mark = 0;
  bool had_leader = false;
  for (; now_tick_ < start + kLivenessTicksMax; ++now_tick_) {
    step(false);
    if (checker_.failed()) return false;
    SimNode* leader = stable_leader();
    if (uint64_t mark = progress_mark(leader); mark != last_mark) {
      last_mark = mark;
      last_progress_tick = now_tick_;
    }
    if (leader != nullptr) {
      had_leader = true;
      if (drive_clients(*leader)) {
        trace_.add(now_tick_, "liveness: converged {} ticks after healing", now_tick_ - start);
        return true;
      }
    }
    const char* stalled = nullptr;
    if (!had_leader && now_tick_ >= start + stall_ticks) {
      stalled = "liveness: no stable leader within 20 election timeouts after healing";
    } else if (now_tick_ >= last_progress_tick + stall_ticks) {
      stalled = "liveness: no progress for 20 election timeouts after healing";
    }
    if (stalled != nullptr) {
      checker_.fail(now_tick_, liveness_failure(stalled));
      return false;
    }
  }
  checker_.fail(now_tick_, liveness_failure("liveness: not converged"));
  return false;
}

// Changes whenever anything moves: a member applies or appends more, the leader commits
// more. Replication counts too: with one entry per message and one message in flight, a
// long old-term tail takes many round trips before anything commits.
uint64_t World::progress_mark(const SimNode* leader) const {
  uint64_t mark = leader != nullptr ? leader->commit().value : 0;
  for (const auto& [id, node] : nodes_) {
    mark += node->applied().value + node->storage().last_index().value;
  }
  return mark;
}

// Re-submits what must commit to a new leader (a deposed leader's uncommitted entries may
// be gone); with the same leader, only proposals it refused are retried, every 2 election
// timeouts. True once everything is applied everywhere.
bool World::drive_clients(SimNode& leader) {
  uint64_t retry_ticks = 2 * static_cast<uint64_t>(plan_.election_ticks);
  bool new_leader = leader.id() != resubmitted_to_ || leader.term() != resubmitted_term_;
  if (new_leader || (retry_refused_ && now_tick_ >= resubmit_tick_ + retry_ticks)) {
    resubmit(leader);
  }
  return converged(leader);
}

// A running voter that leads, followed by every running member in the same term.
SimNode* World::stable_leader() const {
  SimNode* leader = nullptr;
  for (NodeId id : membership_.voters) {
    auto it = nodes_.find(id);
    if (it == nodes_.end() || !it->second->running()) continue;
    if (it->second->role() == raft::Role::leader) leader = it->second.get();
  }
  if (leader == nullptr) return nullptr;
  for (NodeId id : members()) {
    auto it = nodes_.find(id);
    if (it == nodes_.end() || !it->second->running()) return nullptr;
    if (it->second->leader() != leader->id() || it->second->term() != leader->term()) {
      return nullptr;
    }
  }
  return leader;
}

void World::resubmit(SimNode& leader) {
  if (required_writes_.empty()) {
    for (const auto& [id, op] : ledger_.writes()) {
      if (op.status == WriteOp::Status::pending && !op.applied) required_writes_.push_back(id);
    }
    required_writes_.push_back(workload_.write(now_tick_, leader));
    for (uint64_t id : required_writes_)
      ledger_.require_write(id);
    trace_.add(now_tick_, "liveness: {} writes must commit via leader n{}", required_writes_.size(),
               leader.id().value);
  }
  retry_refused_ = false;
  for (uint64_t id : required_writes_) {
    const WriteOp& op = ledger_.writes().at(id);
    if (op.applied) continue;
    auto result = leader.raft().propose(encode_write(WriteCommand{id, op.key}));
    retry_refused_ |= !result.ok();
    trace_.add(now_tick_, "client: re-submit w{} to n{}: {}", id, leader.id().value,
               result.ok() ? "accepted" : result.error().message);
  }
  resubmitted_to_ = leader.id();
  resubmitted_term_ = leader.term();
  resubmit_tick_ = now_tick_;
}

bool World::converged(SimNode& leader) const {
  for (uint64_t id : required_writes_) {
    if (!ledger_.writes().at(id).applied) return false;
  }
  if (required_writes_.empty() || leader.applied() != leader.commit()) return false;
  for (NodeId id : members()) {
    const SimNode& node = *nodes_.at(id);
    if (node.applied() != leader.commit()) return false;
    if (node.state_machine().hash() != leader.state_machine().hash()) return false;
  }
  return true;
}

std::string World::liveness_failure(const char* what) const {
  std::string out = what;
  out += " (";
  for (const auto& [id, node] : nodes_) {
    if (node->state() == NodeState::retired) continue;
    out += fmt::format("n{} {} {} term={} lead=n{} commit={} applied={}; ", id.value,
                       to_string(node->state()), raft::to_string(node->role()), node->term().value,
                       node->leader().value, node->commit().value, node->applied().value);
  }
  size_t missing = 0;
  for (uint64_t id : required_writes_)
    missing += ledger_.writes().at(id).applied ? 0 : 1;
  out += fmt::format("{} of {} re-submitted writes not applied; membership {})", missing,
                     required_writes_.size(), describe(membership_));
  return out;
}

}  // namespace etcd::sim
