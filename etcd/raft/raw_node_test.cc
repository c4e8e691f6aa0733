// RawNode behaviour on a tiny hand-driven network: messages are delivered in rounds until
// quiet, each node handles its Ready exactly as ready.h prescribes.
#include "etcd/raft/raw_node.h"

#include <map>
#include <set>

#include <gtest/gtest.h>

#include "etcd/raft/codec.h"

namespace etcd::raft {
namespace {

struct TestNode {
  MemoryStorage storage;
  Rng rng;
  std::unique_ptr<RawNode> node;
  std::vector<Entry> applied;  // normal entries with data, in apply order
  std::vector<ReadState> reads;
  ConfState conf;

  TestNode(NodeId id, uint64_t seed) : rng(seed) { restart(id, Index{0}); }

  void restart(NodeId id, Index applied_index) {
    Config c{.id = id, .election_ticks = 10, .heartbeat_ticks = 1, .storage = &storage,
             .applied = applied_index, .max_inflight_msgs = 16, .rng = &rng};
    node = std::make_unique<RawNode>(c);
  }
};

class Cluster {
 public:
  explicit Cluster(int voters) {
    std::vector<ConfChange> peers;
    for (int i = 1; i <= voters; ++i) peers.push_back({ConfChangeType::add_node, NodeId(i), ""});
    for (int i = 1; i <= voters; ++i) {
      nodes_.emplace(NodeId(i), std::make_unique<TestNode>(NodeId(i), 1000 + i));
      EXPECT_TRUE(nodes_.at(NodeId(i))->node->bootstrap(peers).ok());
    }
    stabilize();
  }

  TestNode& at(uint64_t id) { return *nodes_.at(NodeId{id}); }
  RawNode& node(uint64_t id) { return *at(id).node; }
  void isolate(uint64_t id) { isolated_.insert(NodeId{id}); }
  void heal() { isolated_.clear(); }

  void add_node(uint64_t id) {
    nodes_.emplace(NodeId{id}, std::make_unique<TestNode>(NodeId{id}, 1000 + id));
  }

  // Handles every Ready and delivers messages until nothing moves.
  void stabilize() {
    for (int round = 0; round < 1000; ++round) {
      std::vector<Message> in_flight;
      for (auto& [id, n] : nodes_) handle_ready(*n, in_flight);
      if (in_flight.empty()) return;
      for (auto& m : in_flight) deliver(m);
    }
    FAIL() << "cluster did not stabilize";
  }

  void tick_all(int ticks) {
    for (int i = 0; i < ticks; ++i) {
      for (auto& [id, n] : nodes_) n->node->tick();
      stabilize();
    }
  }

  std::optional<uint64_t> leader() {
    for (auto& [id, n] : nodes_) {
      if (n->node->status().soft_state.role == Role::leader && !isolated_.count(id)) {
        return id.value;
      }
    }
    return std::nullopt;
  }

  uint64_t elect(uint64_t id) {
    node(id).campaign();
    stabilize();
    EXPECT_EQ(node(id).status().soft_state.role, Role::leader);
    return id;
  }

 private:
  void handle_ready(TestNode& n, std::vector<Message>& out) {
    while (n.node->has_ready()) {
      Ready rd = n.node->ready();
      if (rd.snapshot) {
        ASSERT_TRUE(n.storage.apply_snapshot(*rd.snapshot).ok());
      }
      ASSERT_TRUE(n.storage.append(rd.entries_to_persist).ok());
      if (rd.hard_state) n.storage.set_hard_state(*rd.hard_state);
      for (auto& m : rd.messages) out.push_back(std::move(m));
      for (const auto& e : rd.committed_entries) apply(n, e);
      for (auto& r : rd.read_states) n.reads.push_back(r);
      n.node->advance(rd);
    }
  }

  void apply(TestNode& n, const Entry& e) {
    if (e.type == EntryType::conf_change) {
      n.conf = n.node->apply_conf_change(*decode_conf_change(e.data));
    } else if (!e.data.empty()) {
      n.applied.push_back(e);
    }
  }

  void deliver(const Message& m) {
    if (isolated_.count(m.from) || isolated_.count(m.to)) return;
    auto it = nodes_.find(m.to);
    if (it != nodes_.end()) (void)it->second->node->step(m);
  }

  std::map<NodeId, std::unique_ptr<TestNode>> nodes_;
  std::set<NodeId> isolated_;
};

TEST(RawNode, SingleNodeElectsItselfAndCommits) {
  Cluster c(1);
  c.elect(1);
  ASSERT_TRUE(c.node(1).propose("hello").ok());
  c.stabilize();
  ASSERT_EQ(c.at(1).applied.size(), 1u);
  EXPECT_EQ(c.at(1).applied[0].data, "hello");
}

TEST(RawNode, ElectionByTicksThenFollowerForwardsProposal) {
  Cluster c(3);
  c.tick_all(30);
  auto leader = c.leader();
  ASSERT_TRUE(leader.has_value());
  const uint64_t follower = *leader == 1 ? 2 : 1;
  ASSERT_TRUE(c.node(follower).propose("via-follower").ok());
  c.stabilize();
  for (uint64_t id = 1; id <= 3; ++id) {
    ASSERT_EQ(c.at(id).applied.size(), 1u) << "node " << id;
    EXPECT_EQ(c.at(id).applied[0].data, "via-follower");
  }
}

TEST(RawNode, ProposalWithoutLeaderIsDropped) {
  Cluster c(3);
  auto result = c.node(1).propose("x");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, kErrProposalDropped);
}

TEST(RawNode, PreVoteKeepsPartitionedNodeFromBumpingTerm) {
  Cluster c(3);
  c.elect(1);
  const Term term = c.node(1).status().hard_state.term;
  c.isolate(3);
  c.tick_all(100);
  EXPECT_EQ(c.node(3).status().hard_state.term, term) << "pre-votes must not bump the term";
  c.heal();
  c.tick_all(5);
  EXPECT_EQ(c.leader(), std::optional<uint64_t>(1));
  EXPECT_EQ(c.node(1).status().hard_state.term, term);
}

TEST(RawNode, CheckQuorumStepsDownIsolatedLeader) {
  Cluster c(3);
  c.elect(1);
  c.isolate(1);
  c.tick_all(25);
  EXPECT_NE(c.node(1).status().soft_state.role, Role::leader);
  c.heal();
  c.tick_all(40);
  EXPECT_TRUE(c.leader().has_value());
}

TEST(RawNode, ReadIndexOnFollowerCoversCommittedWrites) {
  Cluster c(3);
  c.elect(1);
  ASSERT_TRUE(c.node(1).propose("w").ok());
  c.stabilize();
  const Index committed = c.node(1).status().hard_state.commit;
  c.node(2).read_index("ctx-1");
  c.stabilize();
  ASSERT_EQ(c.at(2).reads.size(), 1u);
  EXPECT_EQ(c.at(2).reads[0].request_ctx, "ctx-1");
  EXPECT_GE(c.at(2).reads[0].index, committed);
}

TEST(RawNode, ReadIndexNeedsAQuorum) {
  Cluster c(3);
  c.elect(1);
  c.isolate(2);
  c.isolate(3);
  c.node(1).read_index("lonely");
  c.stabilize();
  EXPECT_TRUE(c.at(1).reads.empty()) << "a leader cut off from the quorum must not answer";
}

TEST(RawNode, TransferLeadership) {
  Cluster c(3);
  c.elect(1);
  c.node(1).transfer_leader(NodeId{3});
  c.stabilize();
  EXPECT_EQ(c.leader(), std::optional<uint64_t>(3));
}

TEST(RawNode, ConfChangeOneAtATimeAndLearnerCatchUp) {
  Cluster c(3);
  c.elect(1);
  ASSERT_TRUE(c.node(1).propose("before").ok());
  c.stabilize();
  c.add_node(4);
  ASSERT_TRUE(c.node(1).propose_conf_change({ConfChangeType::add_learner, NodeId{4}, ""}).ok());
  auto second = c.node(1).propose_conf_change({ConfChangeType::add_node, NodeId{4}, ""});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, kErrConfChangePending);
  c.stabilize();
  // The learner replicated everything but is no voter.
  EXPECT_EQ(c.at(4).applied.size(), 1u);
  EXPECT_EQ(c.at(1).conf.learners, std::vector<NodeId>{NodeId{4}});
  ASSERT_TRUE(c.node(1).propose_conf_change({ConfChangeType::add_node, NodeId{4}, ""}).ok());
  c.stabilize();
  EXPECT_EQ(c.at(4).conf.voters.size(), 4u);
}

TEST(RawNode, RemovedLeaderStepsDownAndHandsOver) {
  Cluster c(3);
  c.elect(1);
  ASSERT_TRUE(c.node(1).propose_conf_change({ConfChangeType::remove_node, NodeId{1}, ""}).ok());
  c.stabilize();
  EXPECT_NE(c.node(1).status().soft_state.role, Role::leader);
  c.tick_all(30);
  auto leader = c.leader();
  ASSERT_TRUE(leader.has_value());
  EXPECT_NE(*leader, 1u);
  ASSERT_TRUE(c.node(*leader).propose("after-removal").ok());
  c.stabilize();
  EXPECT_EQ(c.at(2).applied.back().data, "after-removal");
}

// The precise stranding case (the last voter needs the removed leader's vote) is the
// simulator scenario Liveness.RemovedLeaderDoesNotStrandTheRemainingVoters; this checks the
// two-member outcome end to end.
TEST(RawNode, RemovedLeaderOfTwoHandsOverToTheLastVoter) {
  Cluster c(2);
  c.elect(1);
  c.isolate(2);
  ASSERT_TRUE(c.node(1).propose_conf_change({ConfChangeType::remove_node, NodeId{1}, ""}).ok());
  c.tick_all(40);  // uncommitted: n1 steps down by CheckQuorum, nobody can lead
  c.heal();
  c.tick_all(40);
  EXPECT_EQ(c.leader(), std::optional<uint64_t>(2));
  EXPECT_EQ(c.at(2).conf.voters, std::vector<NodeId>{NodeId{2}});
  ASSERT_TRUE(c.node(2).propose("after-handover").ok());
  c.stabilize();
  EXPECT_EQ(c.at(2).applied.back().data, "after-handover");
}

TEST(RawNode, StaleVoteRequestIsRefusedWithTheCurrentTerm) {
  Cluster c(3);
  c.elect(1);
  const Term term = c.node(2).status().hard_state.term;
  Message stale{.type = MessageType::vote, .to = NodeId{2}, .from = NodeId{3},
                .term = term - 1, .log_term = Term{9}, .index = Index{99}};
  ASSERT_TRUE(c.node(2).step(stale).ok());
  Ready rd = c.node(2).ready();
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_EQ(rd.messages[0].type, MessageType::vote_resp);
  EXPECT_TRUE(rd.messages[0].reject);
  EXPECT_EQ(rd.messages[0].term, term) << "Raft Figure 2: the reply carries our term";
  c.node(2).advance(rd);
}

TEST(RawNode, LaggingFollowerCatchesUpBySnapshot) {
  Cluster c(3);
  c.elect(1);
  c.isolate(3);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.node(1).propose("e" + std::to_string(i)).ok());
  c.stabilize();
  // The leader snapshots and compacts everything it has applied.
  TestNode& leader = c.at(1);
  const Index applied = leader.node->status().applied;
  ASSERT_TRUE(leader.storage.create_snapshot(applied, leader.conf, "snapshot-state").ok());
  ASSERT_TRUE(leader.storage.compact(applied).ok());
  c.heal();
  c.tick_all(3);
  EXPECT_EQ(c.at(3).storage.snapshot()->metadata.index, applied);
  EXPECT_EQ(c.node(3).status().hard_state.commit, c.node(1).status().hard_state.commit);
}

TEST(RawNode, RestartResumesFromStorage) {
  Cluster c(1);
  c.elect(1);
  ASSERT_TRUE(c.node(1).propose("durable").ok());
  c.stabilize();
  const HardState before = c.node(1).status().hard_state;
  TestNode& n = c.at(1);
  n.restart(NodeId{1}, before.commit);
  EXPECT_EQ(n.node->status().hard_state, before);
  EXPECT_FALSE(n.node->ready().committed_entries.size() > 0) << "applied entries not redelivered";
}

TEST(RawNode, StepRejectsLocalMessagesFromTheNetwork) {
  Cluster c(1);
  auto r = c.node(1).step(Message{.type = MessageType::hup, .from = NodeId{9}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, kErrStepLocalMsg);
  auto peer = c.node(1).step(Message{.type = MessageType::append_resp, .from = NodeId{9}});
  EXPECT_EQ(peer.error().code, kErrStepPeerNotFound);
}

}  // namespace
}  // namespace etcd::raft
