// ClientLedger: the history of every client operation of a run — writes (proposals) and
// linearizable reads (read_index) — with invoke and completion ticks, and the checks that
// relate them:
//   - a write is acknowledged when the node it was proposed on (same incarnation) applies
//     it; an acknowledged write's index is above every write acknowledged before it was
//     invoked (real-time order);
//   - a read's ReadState.index is >= the index of every write acknowledged before the read
//     was invoked (linearizability as a client sees it), and even >= every index any node had
//     committed by then (what ReadIndex promises, Raft thesis §6.4: the confirmed leader's
//     commit index is the largest any server has seen); once the node has applied up to
//     that index, the value it serves is at least as new as the last write to that key
//     acknowledged before the read began.
// Violations go to the SafetyChecker. Single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "etcd/raft/ready.h"
#include "tests/sim/kv_state_machine.h"
#include "tests/sim/safety_checker.h"

namespace etcd::sim {

struct WriteOp {
  NodeId node;
  int incarnation = 0;
  std::string key;
  uint64_t invoke_tick = 0;
  Index acked_before;  // highest index acknowledged when invoked
  enum class Status { pending, refused, acked } status = Status::pending;
  uint64_t ack_tick = 0;
  Index index;            // where the proposer applied it (acked only)
  bool applied = false;   // applied by some node (committed)
  bool required = false;  // liveness: must be applied everywhere within the bound
};

struct ReadOp {
  NodeId node;
  int incarnation = 0;
  std::string key;
  uint64_t invoke_tick = 0;
  Index acked_before;      // highest acknowledged write index when invoked
  Index committed_before;  // highest index any node had committed when invoked
  Index key_acked_before;  // index of the last acknowledged write to key when invoked
  bool answered = false;
  bool served = false;
};

class ClientLedger {
 public:
  ClientLedger(SafetyChecker& checker, Trace& trace) : checker_(checker), trace_(trace) {}

  // Starts a write; the returned id goes into the payload (see encode_write).
  uint64_t begin_write(uint64_t tick, NodeId node, int incarnation, const std::string& key);
  // raft refused the proposal (returned an error): the client knows it failed.
  void refuse_write(uint64_t id) { writes_.at(id).status = WriteOp::Status::refused; }
  void require_write(uint64_t id) { writes_.at(id).required = true; }
  void on_applied_write(uint64_t tick, NodeId node, int incarnation, Index index,
                        const WriteCommand& command);

  // Starts a read; the returned context is passed to RawNode::read_index.
  std::string begin_read(uint64_t tick, NodeId node, int incarnation, const std::string& key);
  void on_read_state(uint64_t tick, NodeId node, int incarnation, const raft::ReadState& state);
  // Serves answered reads of this node whose index the state machine has reached.
  void serve_reads(uint64_t tick, NodeId node, int incarnation, const KvStateMachine& state);
  // The node lost its volatile state: its pending reads can no longer be served.
  void on_crash(NodeId node);

  const std::map<uint64_t, WriteOp>& writes() const { return writes_; }
  size_t reads_served() const { return reads_served_; }

 private:
  struct PendingServe {
    std::string ctx;
    Index index;
  };

  SafetyChecker& checker_;
  Trace& trace_;
  uint64_t next_write_ = 1;
  uint64_t next_read_ = 1;
  Index acked_max_;
  std::map<std::string, Index> key_acked_;
  std::map<uint64_t, WriteOp> writes_;
  std::map<std::string, ReadOp> reads_;
  std::map<NodeId, std::vector<PendingServe>> to_serve_;
  size_t reads_served_ = 0;
};

}  // namespace etcd::sim
