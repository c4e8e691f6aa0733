// World: one seeded, deterministic run of a whole raft cluster, in one thread on logical
// ticks. The seed decides everything (the FaultPlan, every random choice of the network,
// the faults and the clients; each node's election jitter comes from its own Rng seeded
// from the run seed and its id). Two phases, as in TigerBeetle's VOPR:
//   1. fault phase (`steps` ticks): each tick inject faults, deliver due messages, tick
//      every running node, issue client operations, handle every Ready, and check;
//   2. liveness phase: heal everything, then within 20 election timeouts a stable leader
//      must emerge, the proposals re-submitted to it must commit, and every member must
//      converge to the same applied state (see README.md for the exact definition).
// Every property is checked after every step; the run stops at the first violation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "etcd/common/random.h"
#include "tests/sim/client_ledger.h"
#include "tests/sim/fault_injector.h"
#include "tests/sim/fault_plan.h"
#include "tests/sim/safety_checker.h"
#include "tests/sim/sim_network.h"
#include "tests/sim/sim_node.h"
#include "tests/sim/trace.h"
#include "tests/sim/workload.h"

namespace etcd::sim {

struct RunOptions {
  uint64_t seed = 1;
  int nodes = 3;          // founding voters; two more ids may join as spares
  uint64_t steps = 1000;  // ticks of the fault phase
  bool trace = false;
};

struct RunResult {
  bool ok = true;
  std::string failure;  // the violated property, with its tick
  std::string trace;    // empty unless RunOptions::trace
  uint64_t ticks = 0;
  uint64_t writes_acked = 0;
  uint64_t reads_served = 0;
  uint64_t committed_max = 0;
};

RunResult run_world(const RunOptions& options);

class World final : public NodeEvents {
 public:
  explicit World(const RunOptions& options);
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  RunResult run();

  void on_conf_applied(NodeId node, Index index, const raft::ConfState& state) override;

 private:
  void start_cluster();
  void step(bool client_load);
  void deliver_due();
  void deliver(raft::Message message);
  void deliver_local(raft::Message message);
  void drop(const raft::Message& message, const char* why);
  void process_all_ready();
  void settle_membership();
  void start_members(const std::vector<NodeId>& now_members);
  void check_leaders();
  std::vector<NodeId> members() const;

  // Liveness phase (world_liveness.cc).
  bool run_liveness();
  SimNode* stable_leader() const;
  uint64_t progress_mark(const SimNode* leader) const;
  bool drive_clients(SimNode& leader);
  void resubmit(SimNode& leader);
  bool converged(SimNode& leader) const;
  std::string liveness_failure(const char* what) const;

  RunOptions options_;
  FaultPlan plan_;
  uint64_t now_tick_ = 0;
  bool faults_on_ = true;
  Rng rng_;
  Rng fault_rng_;
  Trace trace_;
  SafetyChecker checker_;
  ClientLedger ledger_;
  SimNetwork network_;
  NodeEnv env_;
  NodeMap nodes_;
  FaultInjector injector_;
  Workload workload_;
  raft::ConfState membership_;  // as of the newest conf change any node applied
  Index membership_index_;
  bool membership_dirty_ = false;
  struct Retirement {
    uint64_t not_before_tick = 0;
    Index removed_at;  // the conf change that removed the node
  };
  std::map<NodeId, Retirement> retiring_;  // removed, still running (see settle_membership)
  std::vector<uint64_t> required_writes_;  // liveness: re-submitted proposals
  NodeId resubmitted_to_;
  Term resubmitted_term_;
  uint64_t resubmit_tick_ = 0;
  bool retry_refused_ = false;
};

}  // namespace etcd::sim
