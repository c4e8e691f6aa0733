// Workload: the simulated clients of the fault phase. Each tick, with the plan's rates, it
// proposes a write on a random running node, asks a random node for a linearizable read
// (read_index), proposes one membership change (add a learner, promote it, remove a member,
// re-add a removed one — one at a time; kErrConfChangePending and dropped proposals are
// retried later) and asks for leadership transfers. Every write and read goes through the
// ClientLedger, which records invoke/ack ticks and checks them. Single-threaded.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "etcd/common/random.h"
#include "tests/sim/client_ledger.h"
#include "tests/sim/fault_plan.h"
#include "tests/sim/sim_node.h"
#include "tests/sim/trace.h"

namespace etcd::sim {

class Workload {
 public:
  // Node ids 1..max_node_id may ever be members (founders plus spares that can join).
  Workload(uint64_t seed, const FaultPlan& plan, NodeMap& nodes, ClientLedger& ledger, Trace& trace,
           uint64_t max_node_id, size_t min_voters);

  void issue(uint64_t now_tick, const raft::ConfState& membership);
  // A conf change was applied somewhere: another may be proposed.
  void on_conf_applied() { change_since_.reset(); }

  // Proposes a write on `node` and returns its id (the proposal may be refused).
  uint64_t write(uint64_t now_tick, SimNode& node);

 private:
  SimNode* pick_running();
  SimNode* pick_leader();
  void read(uint64_t now_tick, SimNode& node);
  void change_membership(uint64_t now_tick, const raft::ConfState& membership);
  std::vector<raft::ConfChange> possible_changes(const raft::ConfState& membership) const;
  void transfer(uint64_t now_tick, SimNode& node, const raft::ConfState& membership);

  Rng rng_;
  const FaultPlan& plan_;
  NodeMap& nodes_;
  ClientLedger& ledger_;
  Trace& trace_;
  uint64_t max_node_id_;
  size_t min_voters_;
  std::optional<uint64_t> change_since_;  // tick a conf change was proposed, until applied
};

}  // namespace etcd::sim
