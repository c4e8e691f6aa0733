// SimNetwork: the simulated wire between raft nodes. Messages wait in a priority queue
// ordered by (deliver_tick, sequence), so delivery order is a pure function of the seed.
// On send the network may drop, duplicate, delay or reorder a message (rates from the
// FaultPlan); on delivery the World asks whether the link is cut (partitions are a set of
// blocked directed links, so one-way and non-transitive partitions are plain data).
//
// The network also carries the transport's local reports back to a sender (snapshot
// finished/failed, peer unreachable) as local messages that never suffer faults.
// Single-threaded; owned by one World. Every queue is bounded by the run's length.
#pragma once

#include <cstdint>
#include <optional>
#include <queue>
#include <set>
#include <utility>
#include <vector>

#include "etcd/common/random.h"
#include "etcd/raft/types.h"
#include "tests/sim/fault_plan.h"

namespace etcd::sim {

struct InFlight {
  uint64_t deliver_tick = 0;
  uint64_t sequence = 0;
  raft::Message message;
};

// What happened to a message handed to send(), for the trace.
enum class SendFate { queued, dropped, duplicated };

class SimNetwork {
 public:
  SimNetwork(uint64_t seed, const FaultPlan& plan);

  // Queues a message from a node's Ready, applying the plan's loss, duplication and delay.
  SendFate send(uint64_t now_tick, raft::Message message);
  // Queues a message with no faults, delivered at the given tick (local reports, messages
  // held for a paused node).
  void send_reliable(uint64_t deliver_tick, raft::Message message);
  // Removes and returns the next message due at or before now_tick, if any.
  std::optional<raft::Message> pop_due(uint64_t now_tick);
  size_t in_flight() const { return queue_.size(); }

  // Links are directed: block(a, b) stops a's messages to b, not b's to a.
  void block(NodeId from, NodeId to) { blocked_.insert({from, to}); }
  bool blocked(NodeId from, NodeId to) const { return blocked_.count({from, to}) > 0; }
  bool partitioned() const { return !blocked_.empty(); }
  void heal() { blocked_.clear(); }

  // Liveness phase: no loss, no duplication, one tick of latency from now on.
  void calm() { calm_ = true; }

 private:
  struct Later {
    bool operator()(const InFlight& a, const InFlight& b) const {
      return std::pair(a.deliver_tick, a.sequence) > std::pair(b.deliver_tick, b.sequence);
    }
  };
  uint64_t latency(uint64_t now_tick);

  Rng rng_;
  const FaultPlan& plan_;
  bool calm_ = false;
  uint64_t next_sequence_ = 0;
  std::priority_queue<InFlight, std::vector<InFlight>, Later> queue_;
  std::set<std::pair<NodeId, NodeId>> blocked_;
};

}  // namespace etcd::sim
