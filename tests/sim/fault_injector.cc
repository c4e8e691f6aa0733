#include "tests/sim/fault_injector.h"

#include <algorithm>

namespace etcd::sim {

FaultInjector::FaultInjector(uint64_t seed, const FaultPlan& plan, NodeMap& nodes,
                             SimNetwork& network, Trace& trace)
    : rng_(seed ^ 0x6661756c7473ULL),
      plan_(plan),
      nodes_(nodes),
      network_(network),
      trace_(trace) {}

void FaultInjector::inject(uint64_t now_tick) {
  expire(now_tick);
  maybe_crash(now_tick);
  maybe_pause(now_tick);
  maybe_partition(now_tick);
}

void FaultInjector::expire(uint64_t now_tick) {
  // Nodes that crashed inside a Ready handler (SimNode) get their restart time here.
  for (NodeId id : nodes_in(NodeState::crashed)) {
    if (restart_at_.count(id) == 0) {
      restart_at_[id] = now_tick + rng_.below(plan_.down_ticks_max + 1);
    }
  }
  for (auto it = restart_at_.begin(); it != restart_at_.end();) {
    SimNode& node = *nodes_.at(it->first);
    if (it->second > now_tick && node.state() == NodeState::crashed) {
      ++it;
      continue;
    }
    if (node.state() == NodeState::crashed) node.restart();
    it = restart_at_.erase(it);
  }
  for (auto it = resume_at_.begin(); it != resume_at_.end();) {
    SimNode& node = *nodes_.at(it->first);
    if (it->second > now_tick && node.state() == NodeState::paused) {
      ++it;
      continue;
    }
    if (node.state() == NodeState::paused) {
      node.resume();
      trace_.add(now_tick, "n{} resumes", it->first.value);
    }
    it = resume_at_.erase(it);
  }
  if (network_.partitioned() && heal_at_ <= now_tick) {
    network_.heal();
    trace_.add(now_tick, "partition healed");
  }
}

std::vector<NodeId> FaultInjector::nodes_in(NodeState state) const {
  std::vector<NodeId> ids;
  for (const auto& [id, node] : nodes_) {
    if (node->state() == state) ids.push_back(id);
  }
  return ids;
}

std::vector<NodeId> FaultInjector::live_ids() const {
  std::vector<NodeId> ids;
  for (const auto& [id, node] : nodes_) {
    if (node->state() != NodeState::retired) ids.push_back(id);
  }
  return ids;
}

// Half the time the nemesis goes for a node that believes it leads: leader changes are
// where the interesting interleavings are (stale leaders, old-term entries, lost acks).
NodeId FaultInjector::pick_victim(const std::vector<NodeId>& candidates) {
  if (rng_.chance(1, 2)) {
    std::vector<NodeId> leaders;
    for (NodeId id : candidates) {
      if (nodes_.at(id)->running() && nodes_.at(id)->role() == raft::Role::leader) {
        leaders.push_back(id);
      }
    }
    if (!leaders.empty()) return leaders[rng_.below(leaders.size())];
  }
  return candidates[rng_.below(candidates.size())];
}

void FaultInjector::maybe_crash(uint64_t now_tick) {
  std::vector<NodeId> running = nodes_in(NodeState::running);
  if (running.empty() || !rng_.chance(plan_.crash_per_mille, 1000)) return;
  NodeId victim = pick_victim(running);
  nodes_.at(victim)->crash("(injected)");
  restart_at_[victim] = now_tick + 1 + rng_.below(plan_.down_ticks_max + 1);
}

void FaultInjector::maybe_pause(uint64_t now_tick) {
  std::vector<NodeId> running = nodes_in(NodeState::running);
  if (running.empty() || !rng_.chance(plan_.pause_per_mille, 1000)) return;
  NodeId victim = pick_victim(running);
  nodes_.at(victim)->pause();
  resume_at_[victim] = now_tick + 1 + rng_.below(plan_.pause_ticks_max + 1);
  trace_.add(now_tick, "n{} pauses until tick {}", victim.value, resume_at_[victim]);
}

void FaultInjector::shuffle(std::vector<NodeId>& ids) {
  for (size_t i = ids.size(); i > 1; --i)
    std::swap(ids[i - 1], ids[rng_.below(i)]);
}

void FaultInjector::cut_both_ways(const std::vector<NodeId>& a, const std::vector<NodeId>& b) {
  for (NodeId x : a) {
    for (NodeId y : b) {
      network_.block(x, y);
      network_.block(y, x);
    }
  }
}

void FaultInjector::maybe_partition(uint64_t now_tick) {
  std::vector<NodeId> ids = live_ids();
  if (network_.partitioned() || ids.size() < 2 || !rng_.chance(plan_.partition_per_mille, 1000)) {
    return;
  }
  shuffle(ids);
  std::swap(ids[0], *std::find(ids.begin(), ids.end(), pick_victim(ids)));
  heal_at_ = now_tick + 1 + rng_.below(plan_.partition_ticks_max + 1);
  std::vector<NodeId> lone(ids.begin(), ids.begin() + 1);
  std::vector<NodeId> rest(ids.begin() + 1, ids.end());
  switch (rng_.below(4)) {
    case 0:
      cut_both_ways(lone, rest);
      trace_.add(now_tick, "partition: n{} isolated", lone[0].value);
      break;
    case 1: {
      size_t cut = 1 + rng_.below(ids.size() - 1);
      cut_both_ways({ids.begin(), ids.begin() + cut}, {ids.begin() + cut, ids.end()});
      trace_.add(now_tick, "partition: split after {} of {} nodes", cut, ids.size());
      break;
    }
    case 2: {
      // lone bridges two sides that cannot reach each other.
      size_t cut = rest.size() < 2 ? 1 : 1 + rng_.below(rest.size() - 1);
      cut_both_ways({rest.begin(), rest.begin() + cut}, {rest.begin() + cut, rest.end()});
      trace_.add(now_tick, "partition: bridge n{} between two sides", lone[0].value);
      break;
    }
    default: {
      bool deaf = rng_.chance(1, 2);
      for (NodeId other : rest) {
        if (!rng_.chance(2, 3)) continue;
        deaf ? network_.block(other, lone[0]) : network_.block(lone[0], other);
      }
      if (!network_.partitioned()) network_.block(lone[0], rest[0]);
      trace_.add(now_tick, "partition: one-way, n{} cannot {}", lone[0].value,
                 deaf ? "receive" : "send");
    }
  }
}

void FaultInjector::heal_everything(uint64_t now_tick, const std::vector<NodeId>& members) {
  network_.heal();
  for (NodeId id : members) {
    auto it = nodes_.find(id);
    if (it != nodes_.end() && it->second->state() == NodeState::crashed) it->second->restart();
  }
  for (NodeId id : nodes_in(NodeState::paused))
    nodes_.at(id)->resume();
  restart_at_.clear();
  resume_at_.clear();
  trace_.add(now_tick, "heal: network whole, no loss, every member up, no node paused");
}

}  // namespace etcd::sim
