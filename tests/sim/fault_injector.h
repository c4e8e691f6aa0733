// FaultInjector: turns the seed's FaultPlan into events, one decision per tick — crash a
// running node (restart it later), pause one (resume it later), cut the network into a
// partition (heal it later). Partition shapes: one node isolated, a clean split into two
// sides, a "bridge" (two sides that cannot talk, one node that talks to both: asymmetric,
// non-transitive) and one-way cuts (a node that can send but not receive, or the reverse).
// heal_everything() ends the fault phase. Single-threaded; owned by the World.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "etcd/common/random.h"
#include "tests/sim/fault_plan.h"
#include "tests/sim/sim_network.h"
#include "tests/sim/sim_node.h"
#include "tests/sim/trace.h"

namespace etcd::sim {

class FaultInjector {
 public:
  FaultInjector(uint64_t seed, const FaultPlan& plan, NodeMap& nodes, SimNetwork& network,
                Trace& trace);

  // One tick of the fault phase: expire old faults, maybe start new ones.
  void inject(uint64_t now_tick);
  // Liveness phase: restart every crashed node in `members`, resume every paused node, heal
  // the network.
  void heal_everything(uint64_t now_tick, const std::vector<NodeId>& members);

 private:
  void expire(uint64_t now_tick);
  void maybe_crash(uint64_t now_tick);
  void maybe_pause(uint64_t now_tick);
  void maybe_partition(uint64_t now_tick);
  std::vector<NodeId> nodes_in(NodeState state) const;
  std::vector<NodeId> live_ids() const;
  void cut_both_ways(const std::vector<NodeId>& a, const std::vector<NodeId>& b);
  void shuffle(std::vector<NodeId>& ids);
  NodeId pick_victim(const std::vector<NodeId>& candidates);

  Rng rng_;
  const FaultPlan& plan_;
  NodeMap& nodes_;
  SimNetwork& network_;
  Trace& trace_;
  std::map<NodeId, uint64_t> restart_at_;
  std::map<NodeId, uint64_t> resume_at_;
  uint64_t heal_at_ = 0;
};

}  // namespace etcd::sim
