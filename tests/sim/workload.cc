#include "tests/sim/workload.h"

#include <algorithm>

namespace etcd::sim {
namespace {

constexpr uint64_t kKeys = 8;

bool contains(const std::vector<NodeId>& ids, NodeId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

const char* change_name(raft::ConfChangeType type) {
  switch (type) {
    case raft::ConfChangeType::add_node:
      return "add/promote";
    case raft::ConfChangeType::remove_node:
      return "remove";
    case raft::ConfChangeType::add_learner:
      return "add learner";
    case raft::ConfChangeType::update_node:
      return "update";
  }
  return "?";
}

}  // namespace

Workload::Workload(uint64_t seed, const FaultPlan& plan, NodeMap& nodes, ClientLedger& ledger,
                   Trace& trace, uint64_t max_node_id, size_t min_voters)
    : rng_(seed ^ 0x636c69656e7473ULL),
      plan_(plan),
      nodes_(nodes),
      ledger_(ledger),
      trace_(trace),
      max_node_id_(max_node_id),
      min_voters_(min_voters) {}

SimNode* Workload::pick_running() {
  std::vector<SimNode*> running;
  for (auto& [id, node] : nodes_) {
    if (node->running()) running.push_back(node.get());
  }
  if (running.empty()) return nullptr;
  return running[rng_.below(running.size())];
}

SimNode* Workload::pick_leader() {
  std::vector<SimNode*> leaders;
  for (auto& [id, node] : nodes_) {
    if (node->running() && node->role() == raft::Role::leader) leaders.push_back(node.get());
  }
  if (leaders.empty()) return nullptr;
  return leaders[rng_.below(leaders.size())];
}

void Workload::issue(uint64_t now_tick, const raft::ConfState& membership) {
  if (rng_.chance(plan_.write_per_mille, 1000)) {
    if (SimNode* node = pick_running()) write(now_tick, *node);
  }
  if (rng_.chance(plan_.read_per_mille, 1000)) {
    // Clients mostly ask the node they believe leads (it may be a deposed one).
    SimNode* node = rng_.chance(1, 2) ? pick_leader() : nullptr;
    if (node == nullptr) node = pick_running();
    if (node != nullptr) read(now_tick, *node);
  }
  if (rng_.chance(plan_.conf_change_per_mille, 1000)) change_membership(now_tick, membership);
  if (rng_.chance(plan_.transfer_per_mille, 1000)) {
    if (SimNode* node = pick_running()) transfer(now_tick, *node, membership);
  }
}

uint64_t Workload::write(uint64_t now_tick, SimNode& node) {
  std::string key = "k" + std::to_string(rng_.below(kKeys));
  uint64_t id = ledger_.begin_write(now_tick, node.id(), node.incarnation(), key);
  auto result = node.raft().propose(encode_write(WriteCommand{id, key}));
  if (!result.ok()) ledger_.refuse_write(id);
  trace_.add(now_tick, "client: propose w{} ({}) on n{}: {}", id, key, node.id().value,
             result.ok() ? "accepted" : result.error().message);
  return id;
}

void Workload::read(uint64_t now_tick, SimNode& node) {
  std::string key = "k" + std::to_string(rng_.below(kKeys));
  std::string ctx = ledger_.begin_read(now_tick, node.id(), node.incarnation(), key);
  node.raft().read_index(ctx);
  trace_.add(now_tick, "client: read {} ({}) on n{}", ctx, key, node.id().value);
}

std::vector<raft::ConfChange> Workload::possible_changes(const raft::ConfState& membership) const {
  std::vector<raft::ConfChange> changes;
  for (uint64_t raw = 1; raw <= max_node_id_; ++raw) {
    NodeId id(raw);
    bool voter = contains(membership.voters, id);
    bool learner = contains(membership.learners, id);
    if (!voter && !learner) {
      changes.push_back({raft::ConfChangeType::add_learner, id, {}});
    } else if (learner) {
      changes.push_back({raft::ConfChangeType::add_node, id, {}});
      changes.push_back({raft::ConfChangeType::remove_node, id, {}});
    } else if (membership.voters.size() > min_voters_) {
      changes.push_back({raft::ConfChangeType::remove_node, id, {}});
    }
  }
  return changes;
}

void Workload::change_membership(uint64_t now_tick, const raft::ConfState& membership) {
  // One change at a time; a proposal lost in flight is given up after a while.
  uint64_t give_up_ticks = 5 * static_cast<uint64_t>(plan_.election_ticks);
  if (change_since_ && now_tick < *change_since_ + give_up_ticks) return;
  std::vector<raft::ConfChange> changes = possible_changes(membership);
  SimNode* node = pick_running();
  if (changes.empty() || node == nullptr) return;
  const raft::ConfChange& change = changes[rng_.below(changes.size())];
  auto result = node->raft().propose_conf_change(change);
  trace_.add(now_tick, "client: propose conf change {} n{} on n{}: {}", change_name(change.type),
             change.node_id.value, node->id().value,
             result.ok() ? "accepted" : result.error().message);
  if (result.ok()) change_since_ = now_tick;
}

void Workload::transfer(uint64_t now_tick, SimNode& node, const raft::ConfState& membership) {
  if (membership.voters.empty()) return;
  NodeId target = membership.voters[rng_.below(membership.voters.size())];
  node.raft().transfer_leader(target);
  trace_.add(now_tick, "client: transfer leadership to n{} via n{}", target.value, node.id().value);
}

}  // namespace etcd::sim
