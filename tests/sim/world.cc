#include "tests/sim/world.h"

#include <algorithm>

#include "tests/sim/sim_hash.h"

namespace etcd::sim {

RunResult run_world(const RunOptions& options) {
  World world(options);
  return world.run();
}

World::World(const RunOptions& options)
    : options_(options),
      plan_(draw_fault_plan(options.seed)),
      rng_(mix(options.seed, 1)),
      fault_rng_(mix(options.seed, 2)),
      trace_(options.trace),
      checker_(trace_),
      ledger_(checker_, trace_),
      network_(options.seed, plan_),
      env_{plan_, now_tick_, faults_on_, fault_rng_, network_, checker_, ledger_, trace_, *this},
      injector_(options.seed, plan_, nodes_, network_, trace_),
      workload_(options.seed, plan_, nodes_, ledger_, trace_,
                static_cast<uint64_t>(options.nodes) + 2,
                std::max<size_t>(2, static_cast<size_t>(options.nodes) / 2 + 1)) {}

RunResult World::run() {
  trace_.add(0, "seed={} nodes={} plan: {}", options_.seed, options_.nodes, plan_.describe());
  start_cluster();
  for (; now_tick_ < options_.steps && !checker_.failed(); ++now_tick_)
    step(true);
  bool live = !checker_.failed() && run_liveness();
  RunResult result;
  result.ok = live && !checker_.failed();
  result.failure = checker_.violation();
  result.trace = trace_.text();
  result.ticks = now_tick_;
  for (const auto& [id, op] : ledger_.writes()) {
    if (op.status == WriteOp::Status::acked) ++result.writes_acked;
  }
  result.reads_served = ledger_.reads_served();
  result.committed_max = checker_.committed_max().value;
  return result;
}

void World::start_cluster() {
  std::vector<raft::ConfChange> peers;
  for (int i = 1; i <= options_.nodes; ++i) {
    peers.push_back({raft::ConfChangeType::add_node, NodeId(static_cast<uint64_t>(i)), {}});
    membership_.voters.push_back(NodeId(static_cast<uint64_t>(i)));
  }
  checker_.set_bootstrap_index(Index(peers.size()));
  for (const raft::ConfChange& peer : peers) {
    auto node = std::make_unique<SimNode>(peer.node_id, options_.seed, env_);
    node->bootstrap(peers);
    nodes_.emplace(peer.node_id, std::move(node));
  }
  process_all_ready();
}

// One tick: faults, deliveries, raft ticks, clients, Ready handling, checks.
void World::step(bool client_load) {
  if (faults_on_) injector_.inject(now_tick_);
  deliver_due();
  for (auto& [id, node] : nodes_) {
    if (node->running()) node->tick();
  }
  if (client_load) workload_.issue(now_tick_, membership_);
  process_all_ready();
  settle_membership();
  check_leaders();
}

void World::deliver_due() {
  for (auto& [id, node] : nodes_) {
    if (!node->running()) continue;
    for (raft::Message& held : node->take_held()) {
      network_.send_reliable(now_tick_, std::move(held));
    }
  }
  while (auto message = network_.pop_due(now_tick_)) {
    deliver(std::move(*message));
    if (checker_.failed()) return;
  }
}

void World::deliver(raft::Message message) {
  if (raft::is_local(message.type)) return deliver_local(std::move(message));
  auto from = nodes_.find(message.from);
  if (from != nodes_.end() && from->second->state() == NodeState::retired) {
    return drop(message, "sender removed");
  }
  auto it = nodes_.find(message.to);
  SimNode* to = it == nodes_.end() ? nullptr : it->second.get();
  if (to == nullptr || to->state() == NodeState::crashed || to->state() == NodeState::retired) {
    return drop(message, "receiver down");
  }
  if (network_.blocked(message.from, message.to)) return drop(message, "partition");
  if (to->state() == NodeState::paused) return to->hold(std::move(message));
  if (trace_.enabled()) trace_.add(now_tick_, "deliver {}", describe(message));
  to->step(message);
  if (message.type == raft::MessageType::snapshot) {
    raft::Message report;
    report.type = raft::MessageType::snap_status;
    report.to = message.from;
    report.from = message.to;
    network_.send_reliable(now_tick_, report);
  }
  if (rng_.chance(plan_.ready_eager_per_mille, 1000)) to->process_ready();
}

// Transport reports to a sender (etcd's ReportSnapshot / ReportUnreachable). raft relies
// on getting one for every snapshot it sends, so a paused sender gets it when it resumes;
// a crashed one has lost the progress the report was about.
void World::deliver_local(raft::Message message) {
  auto it = nodes_.find(message.to);
  if (it == nodes_.end()) return;
  SimNode& node = *it->second;
  if (node.state() == NodeState::paused) return node.hold(std::move(message));
  if (!node.running()) return;
  if (message.type == raft::MessageType::snap_status) {
    trace_.add(now_tick_, "n{}: snapshot to n{} {}", message.to.value, message.from.value,
               message.reject ? "failed" : "finished");
    node.raft().report_snapshot(message.from, !message.reject);
  } else if (message.type == raft::MessageType::unreachable) {
    node.raft().report_unreachable(message.from);
  }
}

void World::drop(const raft::Message& message, const char* why) {
  if (trace_.enabled()) trace_.add(now_tick_, "drop ({}) {}", why, describe(message));
  raft::Message report;
  report.to = message.from;
  report.from = message.to;
  if (message.type == raft::MessageType::snapshot) {
    report.type = raft::MessageType::snap_status;
    report.reject = true;
  } else if (message.type == raft::MessageType::append) {
    report.type = raft::MessageType::unreachable;
  } else {
    return;
  }
  network_.send_reliable(now_tick_ + 1, report);
}

void World::process_all_ready() {
  for (auto& [id, node] : nodes_) {
    if (node->running()) node->process_ready();
  }
}

void World::on_conf_applied(NodeId, Index index, const raft::ConfState& state) {
  if (index <= membership_index_) return;
  membership_ = state;
  membership_index_ = index;
  membership_dirty_ = true;
  workload_.on_conf_applied();
  trace_.add(now_tick_, "membership as of index {}: {}", index.value, describe(state));
}

std::vector<NodeId> World::members() const {
  std::vector<NodeId> ids = membership_.voters;
  ids.insert(ids.end(), membership_.learners.begin(), membership_.learners.end());
  std::sort(ids.begin(), ids.end());
  return ids;
}

// Starts nodes that became members and retires removed ones. A removed node stops only
// once every member has applied its removal (and at least 2 election timeouts later):
// until a member applies it, that member still counts the removed node as a voter, and a
// removed node stopped too early could leave the others without a quorum forever — an
// operator's mistake, not raft's. (etcd's server stops a removed member at once.)
void World::settle_membership() {
  std::vector<NodeId> now_members = members();
  auto is_member = [&](NodeId id) {
    return std::binary_search(now_members.begin(), now_members.end(), id);
  };
  auto all_applied = [&](Index index) {
    return std::all_of(now_members.begin(), now_members.end(), [&](NodeId id) {
      auto it = nodes_.find(id);
      return it != nodes_.end() && it->second->applied() >= index;
    });
  };
  for (auto it = retiring_.begin(); it != retiring_.end();) {
    if (is_member(it->first)) {
      it = retiring_.erase(it);
    } else if (it->second.not_before_tick <= now_tick_ && all_applied(it->second.removed_at)) {
      nodes_.at(it->first)->retire();
      it = retiring_.erase(it);
    } else {
      ++it;
    }
  }
  if (!membership_dirty_) return;
  membership_dirty_ = false;
  start_members(now_members);
  uint64_t grace_ticks = 2 * static_cast<uint64_t>(plan_.election_ticks);
  for (auto& [id, node] : nodes_) {
    if (is_member(id) || node->state() == NodeState::retired) continue;
    retiring_.try_emplace(id, Retirement{now_tick_ + grace_ticks, membership_index_});
  }
}

void World::start_members(const std::vector<NodeId>& now_members) {
  for (NodeId id : now_members) {
    auto [it, inserted] = nodes_.try_emplace(id);
    if (inserted) it->second = std::make_unique<SimNode>(id, options_.seed, env_);
    NodeState state = it->second->state();
    // During the fault phase a crashed member comes back on the injector's schedule.
    bool start =
        inserted || state == NodeState::retired || (state == NodeState::crashed && !faults_on_);
    if (start) it->second->restart();
    if (state == NodeState::paused && !faults_on_) it->second->resume();
  }
}

void World::check_leaders() {
  for (auto& [id, node] : nodes_) {
    if (node->running() && node->role() == raft::Role::leader) {
      checker_.check_leader_log(now_tick_, id, node->term(), node->storage());
    }
  }
}

}  // namespace etcd::sim
