#include "etcd/raft/storage.h"

#include <gtest/gtest.h>

namespace etcd::raft {
namespace {

std::vector<Entry> entries(uint64_t first, uint64_t last, uint64_t term) {
  std::vector<Entry> out;
  for (uint64_t i = first; i <= last; ++i) out.push_back(Entry{Term{term}, Index{i}, {}, "x"});
  return out;
}

TEST(MemoryStorage, AppendTruncatesConflictingSuffix) {
  MemoryStorage s;
  ASSERT_TRUE(s.append(entries(1, 5, 1)).ok());
  ASSERT_TRUE(s.append(entries(3, 4, 2)).ok());
  EXPECT_EQ(s.last_index(), Index{4});
  EXPECT_EQ(*s.term(Index{2}), Term{1});
  EXPECT_EQ(*s.term(Index{3}), Term{2});
  EXPECT_FALSE(s.append(entries(7, 8, 2)).ok()) << "a gap must be refused";
}

TEST(MemoryStorage, CompactKeepsDummyTerm) {
  MemoryStorage s;
  ASSERT_TRUE(s.append(entries(1, 5, 3)).ok());
  ASSERT_TRUE(s.compact(Index{3}).ok());
  EXPECT_EQ(s.first_index(), Index{4});
  EXPECT_EQ(*s.term(Index{3}), Term{3});
  EXPECT_EQ(s.term(Index{2}).error().code, kErrCompacted);
  EXPECT_EQ(s.entries(Index{3}, Index{5}, UINT64_MAX).error().code, kErrCompacted);
  EXPECT_EQ(s.entries(Index{4}, Index{6}, UINT64_MAX)->size(), 2u);
  EXPECT_EQ(s.term(Index{6}).error().code, kErrUnavailable);
}

TEST(MemoryStorage, EntriesRespectSizeLimitButReturnOne) {
  MemoryStorage s;
  ASSERT_TRUE(s.append(entries(1, 5, 1)).ok());
  EXPECT_EQ(s.entries(Index{1}, Index{6}, 0)->size(), 1u);
  EXPECT_EQ(s.entries(Index{1}, Index{6}, 50)->size(), 2u);  // 25 bytes each
}

TEST(MemoryStorage, SnapshotReplacesLog) {
  MemoryStorage s;
  ASSERT_TRUE(s.append(entries(1, 5, 1)).ok());
  auto snap = s.create_snapshot(Index{4}, ConfState{{NodeId{1}}, {}}, "state");
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->metadata.term, Term{1});
  EXPECT_FALSE(s.create_snapshot(Index{3}, {}, "old").ok());

  MemoryStorage other;
  ASSERT_TRUE(other.apply_snapshot(*snap).ok());
  EXPECT_EQ(other.first_index(), Index{5});
  EXPECT_EQ(other.last_index(), Index{4});
  EXPECT_EQ(other.initial_state().conf_state.voters, std::vector<NodeId>{NodeId{1}});
  EXPECT_EQ(other.apply_snapshot(Snapshot{}).error().code, kErrSnapshotOutOfDate);
}

}  // namespace
}  // namespace etcd::raft
