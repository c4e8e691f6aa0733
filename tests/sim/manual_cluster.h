// ManualCluster: a hand-driven raft cluster for table tests of classic scenarios (the Raft
// paper's figures, PreVote, CheckQuorum, transfers, learners, ReadIndex, snapshots) — the
// C++ cousin of etcd's in-package `network`. Nothing happens unless the test asks: tick a
// node, campaign, propose, then stabilize() to handle every Ready and deliver every message
// until the cluster is quiet. Faults are explicit: isolate a node, cut a link, or drop
// messages matching a predicate. Nodes can start from a hand-written log (a snapshot at
// index 1, term 1 carrying the membership, then one entry per listed term), as the paper's
// figures need. Single-threaded, deterministic (election jitter from a seeded Rng).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "etcd/common/random.h"
#include "etcd/raft/raw_node.h"
#include "etcd/raft/storage.h"

namespace etcd::sim {

struct ManualOptions {
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  bool pre_vote = false;
  bool check_quorum = false;
  uint64_t max_size_per_msg_bytes = 1024 * 1024;
  uint64_t seed = 1;
};

class ManualCluster {
 public:
  explicit ManualCluster(ManualOptions options = {}) : options_(options) {}

  // A brand-new cluster: voters and learners bootstrapped, nobody leads yet.
  void bootstrap(const std::vector<uint64_t>& voters, const std::vector<uint64_t>& learners = {});
  // A node resuming from a prepared disk: snapshot {index 1, term 1, membership} followed
  // by entries at indexes 2, 3, ... with the given terms; hard state (term, vote, commit 1).
  void add_prepared(uint64_t id, const std::vector<uint64_t>& terms_from_index_2, uint64_t term,
                    uint64_t vote, const raft::ConfState& membership) {
    add_prepared_at(id, 1, 1, terms_from_index_2, term, vote, membership);
  }
  // The same with the snapshot at (snapshot_index, snapshot_term); commit = snapshot_index.
  void add_prepared_at(uint64_t id, uint64_t snapshot_index, uint64_t snapshot_term,
                       const std::vector<uint64_t>& terms_after, uint64_t term, uint64_t vote,
                       const raft::ConfState& membership);
  // A node with empty storage that waits to be added (a joining member).
  void add_empty(uint64_t id);

  raft::RawNode& raft(uint64_t id) { return *peer(id).raw; }
  void tick(uint64_t id, int times = 1);
  void tick_all(int times = 1);
  void campaign(uint64_t id);
  bool propose(uint64_t id, const std::string& data);
  // Handles Readies and delivers messages until nothing moves (bounded).
  void stabilize();

  // Faults: a cut link drops messages both ways; isolate cuts a node from everyone.
  void isolate(uint64_t id);
  void cut(uint64_t a, uint64_t b);
  void heal();
  // Messages matching the predicate are dropped until the filter is cleared.
  void drop_if(std::function<bool(const raft::Message&)> predicate) { filter_ = predicate; }
  // Steps a hand-made message into its recipient (as if it arrived from the network).
  void inject(const raft::Message& message);

  raft::Role role(uint64_t id) const { return peer(id).soft.role; }
  uint64_t leader_of(uint64_t id) const { return peer(id).soft.leader.value; }
  uint64_t term(uint64_t id) const;
  uint64_t commit(uint64_t id) const;
  uint64_t applied(uint64_t id) const { return peer(id).applied.value; }
  // Terms of the node's durable log from first_index() on.
  std::vector<uint64_t> log_terms(uint64_t id) const;
  std::vector<raft::Entry> log(uint64_t id) const;
  const std::vector<raft::ReadState>& read_states(uint64_t id) const { return peer(id).reads; }
  const std::vector<raft::Entry>& applied_entries(uint64_t id) const {
    return peer(id).applied_entries;
  }
  raft::MemoryStorage& storage(uint64_t id) { return peer(id).storage; }
  const raft::ConfState& membership(uint64_t id) const { return peer(id).conf; }
  // Every message delivered so far, in order (for assertions on the protocol).
  const std::vector<raft::Message>& delivered() const { return delivered_; }

 private:
  struct Peer {
    explicit Peer(uint64_t seed) : rng(seed) {}
    raft::MemoryStorage storage;
    std::unique_ptr<raft::RawNode> raw;
    Rng rng;
    raft::SoftState soft;
    raft::ConfState conf;
    Index applied;
    std::vector<raft::Entry> applied_entries;
    std::vector<raft::ReadState> reads;
  };

  Peer& peer(uint64_t id) { return *peers_.at(id); }
  const Peer& peer(uint64_t id) const { return *peers_.at(id); }
  Peer& create(uint64_t id);
  void start(uint64_t id, Peer& p);
  bool handle_ready(uint64_t id, Peer& p);
  void deliver(const raft::Message& message);

  ManualOptions options_;
  std::map<uint64_t, std::unique_ptr<Peer>> peers_;
  std::set<std::pair<uint64_t, uint64_t>> cut_;
  std::function<bool(const raft::Message&)> filter_;
  std::vector<raft::Message> outbox_;
  std::vector<raft::Message> delivered_;
};

}  // namespace etcd::sim
