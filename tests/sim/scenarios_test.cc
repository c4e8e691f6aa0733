// Table tests of classic Raft scenarios on a hand-driven cluster (ManualCluster), after
// the claims of the Raft paper (Ongaro & Ousterhout 2014) and the thesis, in the spirit of
// etcd's raft_paper_test.go / raft_test.go (our own code; the scenarios are the paper's).
#include <gtest/gtest.h>

#include "etcd/raft/codec.h"
#include "tests/sim/manual_cluster.h"

namespace etcd::raft {
// Readable gtest output for the raft types the scenarios compare.
void PrintTo(Role role, std::ostream* os) {
  *os << to_string(role);
}
void PrintTo(const ConfState& state, std::ostream* os) {
  *os << "voters={";
  for (NodeId id : state.voters)
    *os << " " << id.value;
  *os << " } learners={";
  for (NodeId id : state.learners)
    *os << " " << id.value;
  *os << " }";
}
}  // namespace etcd::raft

namespace etcd::sim {
namespace {

using raft::Role;

raft::ConfState voters(std::vector<uint64_t> ids) {
  raft::ConfState state;
  for (uint64_t id : ids)
    state.voters.push_back(NodeId(id));
  return state;
}

raft::Message append_resp(uint64_t from, uint64_t to, uint64_t term, uint64_t index) {
  raft::Message m;
  m.type = raft::MessageType::append_resp;
  m.from = NodeId(from);
  m.to = NodeId(to);
  m.term = Term(term);
  m.index = Index(index);
  return m;
}

bool is_append_or_heartbeat(const raft::Message& m) {
  return m.type == raft::MessageType::append || m.type == raft::MessageType::heartbeat;
}

// Figure 7: the leader's log, and six followers' logs it must bring in line (terms of the
// entries at indexes 2, 3, ...; index 1 has term 1 everywhere).
const std::vector<uint64_t> kFigure7Leader = {1, 1, 4, 4, 5, 5, 6, 6, 6};

struct Figure7Case {
  const char* name;
  std::vector<uint64_t> follower;
  uint64_t follower_term;
};

void PrintTo(const Figure7Case& c, std::ostream* os) {
  *os << c.name;
}

class Figure7 : public ::testing::TestWithParam<Figure7Case> {};

// §5.3: "the leader handles inconsistencies by forcing the followers' logs to duplicate its
// own": missing entries are filled in, extra and conflicting ones are overwritten.
TEST_P(Figure7, LeaderBringsFollowerLogInLine) {
  const Figure7Case& c = GetParam();
  ManualCluster cluster;
  cluster.add_prepared(1, kFigure7Leader, 7, 0, voters({1, 2, 3}));
  cluster.add_prepared(2, c.follower, c.follower_term, 0, voters({1, 2, 3}));
  cluster.add_prepared(3, kFigure7Leader, 7, 0, voters({1, 2, 3}));
  cluster.campaign(1);
  ASSERT_EQ(cluster.role(1), Role::leader);
  EXPECT_EQ(cluster.term(1), 8u);
  std::vector<uint64_t> expected = kFigure7Leader;
  expected.push_back(8);  // the new leader's no-op at index 11
  EXPECT_EQ(cluster.log_terms(1), expected);
  EXPECT_EQ(cluster.log(2), cluster.log(1));
  EXPECT_EQ(cluster.commit(2), 11u);
}

INSTANTIATE_TEST_SUITE_P(
    Paper, Figure7,
    ::testing::Values(Figure7Case{"a_missing_one", {1, 1, 4, 4, 5, 5, 6, 6}, 6},
                      Figure7Case{"b_missing_many", {1, 1, 4}, 4},
                      Figure7Case{"c_extra_uncommitted", {1, 1, 4, 4, 5, 5, 6, 6, 6, 6}, 6},
                      Figure7Case{"d_extra_newer_term", {1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7}, 7},
                      Figure7Case{"e_conflicting_tail", {1, 1, 4, 4, 4, 4}, 4},
                      Figure7Case{"f_conflicting_many_terms", {1, 1, 2, 2, 2, 3, 3, 3, 3, 3}, 3}),
    [](const ::testing::TestParamInfo<Figure7Case>& info) { return info.param.name; });

// Figure 8 set-up: s1 led term 2 and replicated index 2 to s2; s5 led term 3 and wrote its
// own index 2; s1 is now elected for term 4.
ManualCluster figure8_term4() {
  ManualCluster cluster;
  raft::ConfState five = voters({1, 2, 3, 4, 5});
  cluster.add_prepared(1, {2}, 3, 0, five);
  cluster.add_prepared(2, {2}, 3, 0, five);
  cluster.add_prepared(3, {}, 3, 0, five);
  cluster.add_prepared(4, {}, 3, 0, five);
  cluster.add_prepared(5, {3}, 3, 5, five);
  cluster.drop_if(is_append_or_heartbeat);  // hold replication back: votes only
  cluster.campaign(1);
  return cluster;
}

// §5.4.2: a leader never commits an entry from a previous term by counting replicas.
TEST(Figure8, LeaderDoesNotCommitOldTermEntryByCountingReplicas) {
  ManualCluster cluster = figure8_term4();
  ASSERT_EQ(cluster.role(1), Role::leader);
  ASSERT_EQ(cluster.term(1), 4u);
  // Index 2 (term 2) is now on s1, s2 and s3: a majority of five.
  cluster.inject(append_resp(2, 1, 4, 2));
  cluster.inject(append_resp(3, 1, 4, 2));
  EXPECT_EQ(cluster.commit(1), 1u) << "committed an entry of term 2 by counting replicas";
}

// ... because s5 could still win term 5 and overwrite index 2 (Figure 8 (d)).
TEST(Figure8, OldTermEntryOnAMajorityCanStillBeOverwritten) {
  ManualCluster cluster = figure8_term4();
  cluster.heal();
  cluster.isolate(1);  // s1 crashes before replicating its term-4 entry
  cluster.campaign(5);
  ASSERT_EQ(cluster.role(5), Role::leader);
  EXPECT_EQ(cluster.term(5), 5u);
  EXPECT_EQ(cluster.log_terms(2), (std::vector<uint64_t>{3, 5}));
}

// Once an entry of the current term is replicated to a majority, everything before it is
// committed with it (Figure 8 (e)).
TEST(Figure8, CurrentTermEntryCommitsOlderEntries) {
  ManualCluster cluster = figure8_term4();
  cluster.heal();
  cluster.tick(1);  // a heartbeat round restarts replication
  EXPECT_EQ(cluster.commit(1), 3u);
  for (uint64_t id = 2; id <= 5; ++id) {
    EXPECT_EQ(cluster.log_terms(id), (std::vector<uint64_t>{2, 4})) << "s" << id;
  }
}

struct StaleCase {
  const char* name;
  std::vector<uint64_t> stale_log;
  bool pre_vote;
};

void PrintTo(const StaleCase& c, std::ostream* os) {
  *os << c.name;
}

class StaleCandidate : public ::testing::TestWithParam<StaleCase> {};

// §5.4.1: a voter denies its vote to a candidate whose log is less up-to-date (lower last
// term, or same last term and shorter).
TEST_P(StaleCandidate, CannotWinAndUpToDateNodeCan) {
  const StaleCase& c = GetParam();
  ManualOptions options;
  options.pre_vote = c.pre_vote;
  ManualCluster cluster(options);
  cluster.add_prepared(1, {1, 2, 2}, 2, 0, voters({1, 2, 3}));
  cluster.add_prepared(2, {1, 2, 2}, 2, 0, voters({1, 2, 3}));
  cluster.add_prepared(3, c.stale_log, 2, 0, voters({1, 2, 3}));
  cluster.campaign(3);
  EXPECT_NE(cluster.role(3), Role::leader);
  cluster.campaign(1);
  EXPECT_EQ(cluster.role(1), Role::leader);
  EXPECT_EQ(cluster.log(3), cluster.log(1));
}

INSTANTIATE_TEST_SUITE_P(
    Paper, StaleCandidate,
    ::testing::Values(StaleCase{"shorter_log", {1, 2}, false},
                      StaleCase{"older_last_term_but_longer", {1, 1, 1, 1, 1}, false},
                      StaleCase{"shorter_log_prevote", {1, 2}, true},
                      StaleCase{"older_last_term_prevote", {1, 1, 1, 1, 1}, true}),
    [](const ::testing::TestParamInfo<StaleCase>& info) { return info.param.name; });

// A bootstrapped cluster of voters 1..n with node 1 elected.
ManualCluster elected(int n, ManualOptions options = {}) {
  ManualCluster cluster(options);
  std::vector<uint64_t> ids;
  for (int i = 1; i <= n; ++i)
    ids.push_back(static_cast<uint64_t>(i));
  cluster.bootstrap(ids);
  cluster.campaign(1);
  EXPECT_EQ(cluster.role(1), Role::leader);
  return cluster;
}

// Thesis §9.6: with PreVote, a node cut off from the leader campaigns without raising its
// term, so rejoining does not force the healthy leader to step down.
TEST(PreVote, RejoiningNodeDoesNotBumpTermOrDeposeLeader) {
  ManualOptions options;
  options.pre_vote = true;
  options.check_quorum = true;
  ManualCluster cluster = elected(3, options);
  uint64_t term = cluster.term(1);
  cluster.isolate(3);
  cluster.tick(3, 10 * options.election_ticks);
  EXPECT_EQ(cluster.term(3), term);
  cluster.heal();
  cluster.tick_all(3 * options.election_ticks);
  EXPECT_EQ(cluster.role(1), Role::leader);
  EXPECT_EQ(cluster.term(1), term);
  EXPECT_EQ(cluster.leader_of(3), 1u);
}

// Without PreVote the same partition makes the node's term run ahead, and its return
// disrupts the leader: the contrast shows what PreVote buys.
TEST(PreVote, WithoutItRejoiningNodeDisruptsLeader) {
  ManualCluster cluster = elected(3);
  uint64_t term = cluster.term(1);
  cluster.isolate(3);
  cluster.tick(3, 10 * 10);
  EXPECT_GT(cluster.term(3), term);
  cluster.heal();
  cluster.tick_all(30);
  EXPECT_GT(cluster.term(1), term);
}

// CheckQuorum: a leader that has not heard from a majority for an election timeout steps
// down (so a stale leader stops serving within a bounded time).
TEST(CheckQuorum, LeaderCutOffFromMajorityStepsDown) {
  ManualOptions options;
  options.check_quorum = true;
  ManualCluster cluster = elected(5, options);
  cluster.cut(1, 3);
  cluster.cut(1, 4);
  cluster.cut(1, 5);
  int ticks = 0;
  while (cluster.role(1) == Role::leader && ticks < 3 * options.election_ticks) {
    cluster.tick(1);
    ++ticks;
  }
  EXPECT_NE(cluster.role(1), Role::leader);
  EXPECT_LE(ticks, 2 * options.election_ticks);
}

// A leader that still hears from a majority stays leader.
TEST(CheckQuorum, LeaderWithMajorityStaysLeader) {
  ManualOptions options;
  options.check_quorum = true;
  ManualCluster cluster = elected(5, options);
  cluster.cut(1, 4);
  cluster.cut(1, 5);
  cluster.tick(1, 5 * options.election_ticks);
  EXPECT_EQ(cluster.role(1), Role::leader);
}

// Thesis §3.10: leadership transfer to an up-to-date follower.
TEST(LeaderTransfer, ToUpToDateFollower) {
  ManualCluster cluster = elected(3);
  ASSERT_TRUE(cluster.propose(1, "a"));
  uint64_t term = cluster.term(1);
  cluster.raft(1).transfer_leader(NodeId(2));
  cluster.stabilize();
  EXPECT_EQ(cluster.role(2), Role::leader);
  EXPECT_EQ(cluster.role(1), Role::follower);
  EXPECT_EQ(cluster.term(2), term + 1);
}

// ... and to a lagging one: the leader first catches it up, then sends TimeoutNow.
TEST(LeaderTransfer, ToLaggingFollowerAfterCatchUp) {
  ManualCluster cluster = elected(3);
  cluster.isolate(3);
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(cluster.propose(1, "w" + std::to_string(i)));
  cluster.heal();
  cluster.raft(1).transfer_leader(NodeId(3));
  cluster.stabilize();
  cluster.tick(1);
  EXPECT_EQ(cluster.role(3), Role::leader);
  EXPECT_EQ(cluster.log(3).size(), cluster.log(1).size());
}

// Learners replicate the log but never vote and never count towards a commit quorum.
TEST(Learner, ReplicatesButNeitherVotesNorCounts) {
  ManualCluster cluster;
  cluster.bootstrap({1, 2, 3}, {4});
  cluster.campaign(1);
  ASSERT_EQ(cluster.role(1), Role::leader);
  for (const raft::Message& m : cluster.delivered()) {
    bool vote =
        m.type == raft::MessageType::vote_resp || m.type == raft::MessageType::pre_vote_resp;
    EXPECT_FALSE(vote && m.from == NodeId(4)) << "learner answered a vote request";
  }
  ASSERT_TRUE(cluster.propose(1, "replicated"));
  EXPECT_EQ(cluster.log(4), cluster.log(1));
  uint64_t commit = cluster.commit(1);
  cluster.isolate(2);
  cluster.isolate(3);
  ASSERT_TRUE(cluster.propose(1, "leader and learner only"));
  EXPECT_EQ(cluster.log(4).back().data, "leader and learner only");
  EXPECT_EQ(cluster.commit(1), commit) << "a learner counted towards the quorum";
  cluster.raft(4).campaign();
  cluster.stabilize();
  EXPECT_NE(cluster.role(4), Role::leader);
}

// Thesis §4.2.2: a leader removed from the configuration steps down once the change is
// committed, and the others elect a new leader among themselves.
TEST(Membership, RemovedLeaderStepsDown) {
  ManualCluster cluster = elected(3);
  ASSERT_TRUE(
      cluster.raft(1).propose_conf_change({raft::ConfChangeType::remove_node, NodeId(1), {}}).ok());
  cluster.stabilize();
  EXPECT_EQ(cluster.membership(2), voters({2, 3}));
  EXPECT_NE(cluster.role(1), Role::leader);
  cluster.tick_all(5 * 10);
  bool new_leader = cluster.role(2) == Role::leader || cluster.role(3) == Role::leader;
  EXPECT_TRUE(new_leader);
}

// One membership change at a time (thesis §4.1).
TEST(Membership, SecondChangeWhilePendingIsRefused) {
  ManualCluster cluster = elected(3);
  cluster.isolate(2);
  cluster.isolate(3);  // the first change cannot commit
  ASSERT_TRUE(
      cluster.raft(1).propose_conf_change({raft::ConfChangeType::add_learner, NodeId(4), {}}).ok());
  auto second =
      cluster.raft(1).propose_conf_change({raft::ConfChangeType::add_learner, NodeId(5), {}});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, raft::kErrConfChangePending);
}

// Thesis §6.4: a follower's ReadIndex is forwarded to the leader, confirmed by a heartbeat
// round, and answered with the leader's commit index.
TEST(ReadIndex, OnFollowerReturnsLeaderCommit) {
  ManualCluster cluster = elected(3);
  ASSERT_TRUE(cluster.propose(1, "x"));
  cluster.raft(2).read_index("read-on-follower");
  cluster.stabilize();
  ASSERT_EQ(cluster.read_states(2).size(), 1u);
  EXPECT_EQ(cluster.read_states(2)[0].request_ctx, "read-on-follower");
  EXPECT_EQ(cluster.read_states(2)[0].index.value, cluster.commit(1));
}

// A leader cut off from the majority cannot confirm its leadership, so it must not answer.
TEST(ReadIndex, PartitionedLeaderDoesNotAnswer) {
  ManualCluster cluster = elected(3);
  ASSERT_TRUE(cluster.propose(1, "x"));
  cluster.isolate(1);
  cluster.raft(1).read_index("stale?");
  cluster.stabilize();
  EXPECT_TRUE(cluster.read_states(1).empty());
}

// §7: a follower that fell behind the leader's compacted log is brought up by a snapshot.
TEST(Snapshot, LaggingFollowerCatchesUpFromSnapshot) {
  ManualCluster cluster = elected(3);
  cluster.isolate(3);
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(cluster.propose(1, "w" + std::to_string(i)));
  Index applied(cluster.applied(1));
  ASSERT_TRUE(cluster.storage(1).create_snapshot(applied, cluster.membership(1), "state").ok());
  ASSERT_TRUE(cluster.storage(1).compact(applied).ok());
  cluster.heal();
  cluster.tick(1, 3);
  bool sent = false;
  for (const raft::Message& m : cluster.delivered()) {
    sent |= m.type == raft::MessageType::snapshot && m.to == NodeId(3);
  }
  EXPECT_TRUE(sent);
  EXPECT_GE(cluster.applied(3), applied.value);
  EXPECT_EQ(cluster.storage(3).last_index(), cluster.storage(1).last_index());
  EXPECT_EQ(cluster.commit(3), cluster.commit(1));
}

// Liveness after a leader removes itself (found by raft_sim seed 1012, 3 nodes). The leader
// commits its own removal and steps down at once; its log has a newer entry the remaining
// voter lacks, and the new commit index never reached that voter. The voter still applies
// the old membership (it needs the removed node's vote) and the removed node, whose log is
// more up to date, refuses it and cannot campaign itself: nobody can ever lead.
TEST(Liveness, RemovedLeaderDoesNotStrandTheRemainingVoters) {
  ManualOptions options;
  options.max_size_per_msg_bytes = 1;  // one entry per append
  // etcd2's configuration. Without PreVote the stranded voter's term grows while it is cut
  // off and its higher-term answers depose the handing-over leader after the heal; no
  // voting rule can safely undo that (a removed member relaxing its vote could elect a
  // candidate missing an entry committed under the old configuration).
  options.pre_vote = true;
  options.check_quorum = true;
  ManualCluster cluster = elected(2, options);
  uint64_t removal = cluster.storage(1).last_index().value + 1;
  cluster.drop_if([removal](const raft::Message& m) {
    bool later_entry = !m.entries.empty() && m.entries.back().index.value > removal;
    return m.from == NodeId(1) && (m.commit.value >= removal || later_entry);
  });
  ASSERT_TRUE(
      cluster.raft(1).propose_conf_change({raft::ConfChangeType::remove_node, NodeId(1), {}}).ok());
  ASSERT_TRUE(cluster.raft(1).propose("after the removal").ok());
  cluster.stabilize();
  ASSERT_EQ(cluster.commit(1), removal);
  ASSERT_LT(cluster.commit(2), removal);
  // n2 still needs n1's vote, and n1's log is longer: if n1 stepped down now neither could
  // ever lead. It keeps leading — across election timeouts and CheckQuorum — until n2
  // has its whole log, then hands over.
  cluster.tick_all(3 * options.election_ticks);
  ASSERT_EQ(cluster.role(1), Role::leader);
  cluster.heal();
  cluster.tick_all(30 * options.election_ticks);
  EXPECT_EQ(cluster.role(2), Role::leader);
  EXPECT_EQ(cluster.membership(2), voters({2}));
}

// Liveness when a candidate is behind in term (found by raft_sim seed 5673, 3 nodes). n5 has
// not applied the change that made {n3, n5} the membership; it still campaigns among its old
// peers (long gone) and its term keeps rising, so it ignores n3's lower-term vote requests
// without telling n3 its term. The Raft paper's RequestVote reply carries the term so the
// candidate catches up (Figure 2); without it n3 can never win n5's vote.
TEST(Liveness, CandidateBehindInTermLearnsTheTermAndWins) {
  ManualOptions options;
  options.check_quorum = true;
  ManualCluster cluster(options);
  raft::ConfState old_membership = voters({1, 4, 5});
  cluster.add_prepared_at(3, 5, 2, {}, 5, 0, voters({3, 5}));
  cluster.add_prepared_at(5, 1, 1, {2}, 10, 5, old_membership);
  cluster.tick_all(50 * options.election_ticks);
  EXPECT_EQ(cluster.role(3), Role::leader);
  EXPECT_EQ(cluster.leader_of(5), 3u);
}

// Liveness of a learner pushed to a higher term (found by raft_sim seed 8374, 3 nodes). A
// removed node with a stale log still campaigns and its vote request lifts the learner's
// term; with neither PreVote nor CheckQuorum the learner then ignores the leader's
// lower-term appends without answering, and as a learner it never campaigns itself, so
// nobody ever tells the leader. The Raft paper's AppendEntries reply carries the term
// "for leader to update itself" (Figure 2).
TEST(Liveness, LearnerPushedToHigherTermIsNotStranded) {
  ManualCluster cluster;
  cluster.bootstrap({1, 2}, {3});
  cluster.campaign(1);
  ASSERT_EQ(cluster.role(1), Role::leader);
  raft::Message stale_vote;
  stale_vote.type = raft::MessageType::vote;
  stale_vote.from = NodeId(9);  // removed long ago; its log ends at index 1
  stale_vote.to = NodeId(3);
  stale_vote.term = Term(cluster.term(1) + 5);
  stale_vote.log_term = Term(1);
  stale_vote.index = Index(1);
  cluster.inject(stale_vote);
  ASSERT_GT(cluster.term(3), cluster.term(1));
  ASSERT_TRUE(cluster.propose(1, "after the disruption") || cluster.role(1) != Role::leader);
  cluster.tick_all(30);
  ASSERT_TRUE(cluster.propose(cluster.role(1) == Role::leader ? 1 : 2, "later"));
  cluster.tick_all(5);
  EXPECT_EQ(cluster.log(3).back().data, "later");
}

// Liveness without PreVote when the stale voter always campaigns first (found by raft_sim
// seed 22105, 3 nodes). n1 still runs the membership {n1, n2}, so its vote requests go only
// to n2 (removed since, with a longer log: it refuses). n4 runs {n1, n4} with the longer
// log, but every time it asks for n1's vote n1 has already voted for itself in that term;
// with timers in lockstep n1 is forever a term ahead. n1 yields: it restarts its election
// timer when a better candidate asks in the term it voted for itself.
TEST(Liveness, StaleVoterYieldsToBetterCandidate) {
  int won = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    ManualOptions options;
    options.seed = seed;
    ManualCluster cluster(options);
    cluster.add_prepared_at(1, 5, 2, {3, 3}, 9, 1, voters({1, 2}));
    cluster.add_prepared_at(2, 5, 2, {3, 3, 4, 4}, 8, 0, voters({1, 4}));
    cluster.add_prepared_at(4, 5, 2, {3, 3, 4, 4}, 8, 0, voters({1, 4}));
    cluster.tick_all(20 * options.election_ticks);
    if (cluster.role(4) == Role::leader && cluster.leader_of(1) == 4u) ++won;
  }
  EXPECT_EQ(won, 20);
}

}  // namespace
}  // namespace etcd::sim
