#include "etcd/raft/raft_log.h"

#include <gtest/gtest.h>

namespace etcd::raft {
namespace {

std::vector<Entry> terms(uint64_t first_index, std::vector<uint64_t> terms_of_entries) {
  std::vector<Entry> out;
  for (uint64_t t : terms_of_entries) out.push_back(Entry{Term{t}, Index{first_index++}, {}, {}});
  return out;
}

TEST(RaftLog, FindConflict) {
  MemoryStorage storage;
  RaftLog log(storage, UINT64_MAX);
  log.append(terms(1, {1, 2, 3}));
  EXPECT_EQ(log.find_conflict(terms(1, {1, 2, 3})), Index{0});
  EXPECT_EQ(log.find_conflict(terms(2, {2, 3, 4})), Index{4});  // new entries only
  EXPECT_EQ(log.find_conflict(terms(2, {4, 4})), Index{2});
}

TEST(RaftLog, MaybeAppendTruncatesAndCommits) {
  MemoryStorage storage;
  RaftLog log(storage, UINT64_MAX);
  log.append(terms(1, {1, 2, 3}));
  EXPECT_FALSE(log.maybe_append(Index{3}, Term{2}, Index{3}, terms(4, {4})).has_value());
  auto last = log.maybe_append(Index{1}, Term{1}, Index{3}, terms(2, {4, 4}));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(*last, Index{3});
  EXPECT_EQ(log.term_or_zero(Index{2}), Term{4});
  EXPECT_EQ(log.committed(), Index{3});
  // Commit never exceeds the last entry the leader vouched for.
  log.maybe_append(Index{3}, Term{4}, Index{10}, {});
  EXPECT_EQ(log.committed(), Index{3});
}

TEST(RaftLog, IsUpToDateComparesTermThenIndex) {
  MemoryStorage storage;
  RaftLog log(storage, UINT64_MAX);
  log.append(terms(1, {1, 2, 2}));
  EXPECT_TRUE(log.is_up_to_date(Index{1}, Term{3}));
  EXPECT_TRUE(log.is_up_to_date(Index{3}, Term{2}));
  EXPECT_FALSE(log.is_up_to_date(Index{2}, Term{2}));
  EXPECT_FALSE(log.is_up_to_date(Index{9}, Term{1}));
}

TEST(RaftLog, CommitsOnlyCurrentTermByCounting) {
  MemoryStorage storage;
  RaftLog log(storage, UINT64_MAX);
  log.append(terms(1, {1, 2}));
  EXPECT_FALSE(log.maybe_commit(Index{2}, Term{3})) << "Raft §5.4.2";
  EXPECT_TRUE(log.maybe_commit(Index{2}, Term{2}));
}

TEST(RaftLog, FindConflictByTermSkipsWholeTerm) {
  MemoryStorage storage;
  RaftLog log(storage, UINT64_MAX);
  log.append(terms(1, {1, 1, 3, 3, 3, 5, 5}));
  EXPECT_EQ(log.find_conflict_by_term(Index{7}, Term{4}).first, Index{5});
  EXPECT_EQ(log.find_conflict_by_term(Index{7}, Term{2}).first, Index{2});
  EXPECT_EQ(log.find_conflict_by_term(Index{7}, Term{0}).first, Index{0});
}

TEST(RaftLog, StableAndSliceAcrossStorageAndUnstable) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.append(terms(1, {1, 1})).ok());
  RaftLog log(storage, UINT64_MAX);
  log.append(terms(3, {2, 2}));
  auto all = log.slice(Index{1}, Index{5}, UINT64_MAX);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 4u);
  EXPECT_EQ(log.unstable_entries().size(), 2u);
  ASSERT_TRUE(storage.append(log.unstable_entries()).ok());
  log.stable_to(Index{4}, Term{2});
  EXPECT_TRUE(log.unstable_entries().empty());
  EXPECT_EQ(log.last_index(), Index{4});
}

TEST(RaftLog, NextCommittedEntriesHonourSizeLimit) {
  MemoryStorage storage;
  RaftLog log(storage, 30);
  log.append(terms(1, {1, 1, 1}));
  log.commit_to(Index{3});
  EXPECT_EQ(log.next_committed_entries().size(), 1u);
  log.applied_to(Index{1});
  EXPECT_EQ(log.next_committed_entries().front().index, Index{2});
}

}  // namespace
}  // namespace etcd::raft
