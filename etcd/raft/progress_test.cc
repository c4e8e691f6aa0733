#include "etcd/raft/progress.h"

#include <gtest/gtest.h>

#include "etcd/raft/tracker.h"

namespace etcd::raft {
namespace {

TEST(Inflights, FreeLeAndWrap) {
  Inflights in(4);
  for (uint64_t i = 1; i <= 4; ++i) in.add(Index{i * 10});
  EXPECT_TRUE(in.full());
  in.free_le(Index{25});
  EXPECT_EQ(in.count(), 2u);
  in.add(Index{50});
  in.add(Index{60});
  EXPECT_TRUE(in.full());
  in.free_first_one();
  EXPECT_EQ(in.count(), 3u);
  in.free_le(Index{100});
  EXPECT_EQ(in.count(), 0u);
}

TEST(Progress, ProbeDecreasesToHintAndIgnoresStaleRejects) {
  Progress pr(8);
  pr.match = Index{3};
  pr.next = Index{10};
  EXPECT_FALSE(pr.maybe_decrease_to(Index{5}, Index{4})) << "not about next-1";
  EXPECT_TRUE(pr.maybe_decrease_to(Index{9}, Index{6}));
  EXPECT_EQ(pr.next, Index{7});
  pr.become_replicate();
  EXPECT_EQ(pr.next, Index{4});
  EXPECT_FALSE(pr.maybe_decrease_to(Index{2}, Index{0})) << "stale: below match";
}

TEST(Progress, PausesByState) {
  Progress pr(1);
  pr.probe_sent = true;
  EXPECT_TRUE(pr.is_paused());
  pr.become_replicate();
  EXPECT_FALSE(pr.is_paused());
  pr.inflights.add(Index{5});
  EXPECT_TRUE(pr.is_paused());
  pr.become_snapshot(Index{9});
  EXPECT_TRUE(pr.is_paused());
  pr.match = Index{2};
  pr.become_probe();
  EXPECT_EQ(pr.next, Index{10}) << "resumes after the snapshot";
}

TEST(ProgressTracker, CommittedIsMajorityMatch) {
  ProgressTracker t(8);
  t.apply_conf_state(ConfState{{NodeId{1}, NodeId{2}, NodeId{3}}, {NodeId{4}}}, Index{1});
  t.find(NodeId{1})->match = Index{7};
  t.find(NodeId{2})->match = Index{5};
  t.find(NodeId{3})->match = Index{2};
  t.find(NodeId{4})->match = Index{9};  // learners never count
  EXPECT_EQ(t.committed(), Index{5});
  t.record_vote(NodeId{1}, true);
  t.record_vote(NodeId{4}, true);
  EXPECT_EQ(t.tally_votes(), VoteResult::pending);
  t.record_vote(NodeId{2}, false);
  t.record_vote(NodeId{3}, false);
  EXPECT_EQ(t.tally_votes(), VoteResult::lost);
}

}  // namespace
}  // namespace etcd::raft
