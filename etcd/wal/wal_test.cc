#include "etcd/wal/wal.h"

#include <gtest/gtest.h>

#include "etcd/common/random.h"
#include "etcd/wal/test_util.h"

namespace etcd::wal {
namespace {

using testing::make_entries;
using testing::make_entry;
using testing::TempDir;

const Identity kIdentity{NodeId{0x1234}, 0xfeed};

Options small_segments(uint64_t bytes = 4096) {
  Options o;
  o.segment_bytes = bytes;
  return o;
}

std::unique_ptr<Wal> must_create(const std::string& dir, const Options& o = small_segments()) {
  Result<std::unique_ptr<Wal>> wal = Wal::create(dir, kIdentity, o);
  EXPECT_TRUE(wal.ok()) << wal.error().message;
  return std::move(*wal);
}

std::pair<std::unique_ptr<Wal>, Recovered> must_open(const std::string& dir, Index from = {},
                                                     const Options& o = small_segments()) {
  auto opened = Wal::open(dir, from, o);
  EXPECT_TRUE(opened.ok()) << opened.error().message;
  return std::move(*opened);
}

TEST(Wal, SavesAndRecoversEntriesAndHardState) {
  TempDir tmp;
  const std::string dir = tmp.sub("wal");
  const raft::HardState hs{Term{2}, NodeId{1}, Index{3}};
  {
    auto wal = must_create(dir);
    ASSERT_TRUE(wal->save(hs, make_entries(1, 5, 2), true).ok());
  }
  auto [wal, recovered] = must_open(dir);
  EXPECT_EQ(recovered.identity, kIdentity);
  EXPECT_EQ(recovered.hard_state, hs);
  EXPECT_EQ(recovered.entries, make_entries(1, 5, 2));
  EXPECT_FALSE(recovered.snapshot);
  EXPECT_EQ(wal->last_index(), Index{5});
}

TEST(Wal, NamesTheFirstSegmentLikeEtcd) {
  TempDir tmp;
  auto wal = must_create(tmp.sub("wal"));
  EXPECT_EQ(testing::files_in(tmp.sub("wal")),
            std::vector<std::string>{"0000000000000000-0000000000000000.wal"});
}

TEST(Wal, CreateRefusesAnExistingWalAndOpenAMissingOne) {
  TempDir tmp;
  { auto wal = must_create(tmp.sub("wal")); }
  auto again = Wal::create(tmp.sub("wal"), kIdentity, small_segments());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, kErrExists);
  auto missing = Wal::open(tmp.sub("nothing"), Index{0}, small_segments());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, kErrNotFound);
  EXPECT_TRUE(Wal::exists(tmp.sub("wal")));
  EXPECT_FALSE(Wal::exists(tmp.sub("nothing")));
}

TEST(Wal, RollsOverIntoSegmentsNamedBySequenceAndFirstIndex) {
  TempDir tmp;
  const std::string dir = tmp.sub("wal");
  {
    auto wal = must_create(dir);
    for (uint64_t i = 1; i <= 200; ++i) {
      ASSERT_TRUE(
          wal->save({Term{1}, NodeId{1}, Index{i - 1}}, {make_entry(i, 1)}, i % 3 == 0).ok());
    }
    EXPECT_GT(wal->segments().size(), 3u);
    for (size_t j = 1; j < wal->segments().size(); ++j) {
      EXPECT_EQ(wal->segments()[j].seq, j);
      EXPECT_GT(wal->segments()[j].first_index, wal->segments()[j - 1].first_index);
    }
  }
  for (const std::string& name : testing::files_in(dir)) {
    EXPECT_TRUE(SegmentName::parse(name)) << name;
  }
  auto [wal, recovered] = must_open(dir);
  EXPECT_EQ(recovered.entries, make_entries(1, 200, 1));
  EXPECT_EQ(recovered.hard_state.commit, Index{199});
}

TEST(Wal, RecordLargerThanASegmentGetsASegmentOfItsOwn) {
  TempDir tmp;
  const std::string dir = tmp.sub("wal");
  {
    auto wal = must_create(dir);
    ASSERT_TRUE(wal->save({}, make_entries(1, 3, 1), true).ok());
    ASSERT_TRUE(wal->save({}, {make_entry(4, 1, 10000)}, true).ok());
    ASSERT_TRUE(wal->save({}, make_entries(5, 6, 1), true).ok());
  }
  auto [wal, recovered] = must_open(dir);
  std::vector<raft::Entry> want = make_entries(1, 3, 1);
  want.push_back(make_entry(4, 1, 10000));
  for (const raft::Entry& e : make_entries(5, 6, 1))
    want.push_back(e);
  EXPECT_EQ(recovered.entries, want);
}

TEST(Wal, RefusesAnotherMembersLog) {
  TempDir tmp;
  { auto wal = must_create(tmp.sub("wal")); }
  Options o = small_segments();
  o.expected_identity = Identity{NodeId{0x9999}, 0xfeed};
  auto opened = Wal::open(tmp.sub("wal"), Index{0}, o);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, kErrIdentityMismatch);
  EXPECT_NE(opened.error().message.find("member 1234 in cluster feed"), std::string::npos)
      << opened.error().message;
  EXPECT_NE(opened.error().message.find("9999"), std::string::npos);
  o.expected_identity = kIdentity;
  EXPECT_TRUE(Wal::open(tmp.sub("wal"), Index{0}, o).ok());
}

TEST(Wal, ConflictingSuffixIsReplacedByTheLastRecords) {
  TempDir tmp;
  const std::string dir = tmp.sub("wal");
  {
    auto wal = must_create(dir);
    ASSERT_TRUE(wal->save({}, make_entries(1, 10, 1), true).ok());
    ASSERT_TRUE(wal->save({}, make_entries(6, 7, 2), true).ok());  // new leader
    EXPECT_EQ(wal->last_index(), Index{7});
  }
  std::vector<raft::Entry> want = make_entries(1, 5, 1);
  for (const raft::Entry& e : make_entries(6, 7, 2))
    want.push_back(e);
  {
    auto [wal, recovered] = must_open(dir);
    EXPECT_EQ(recovered.entries, want);
    ASSERT_TRUE(wal->save({}, {make_entry(8, 2)}, true).ok());
  }
  want.push_back(make_entry(8, 2));
  EXPECT_EQ(must_open(dir).second.entries, want);
}

TEST(Wal, OpensFromASnapshotMarker) {
  TempDir tmp;
  const std::string dir = tmp.sub("wal");
  {
    auto wal = must_create(dir);
    ASSERT_TRUE(wal->save({}, make_entries(1, 20, 1), true).ok());
    ASSERT_TRUE(wal->save_snapshot_marker({Index{15}, Term{1}}).ok());
  }
  auto [wal, recovered] = must_open(dir, Index{15});
  EXPECT_EQ(recovered.entries, make_entries(16, 20, 1));
  EXPECT_EQ(recovered.snapshot, (SnapshotMarker{Index{15}, Term{1}}));
}

TEST(Wal, MarkerAheadOfTheLogLetsEntriesContinueAfterIt) {
  // A follower that installed a leader's snapshot: its log resumes after the snapshot.
  TempDir tmp;
  const std::string dir = tmp.sub("wal");
  {
    auto wal = must_create(dir);
    ASSERT_TRUE(wal->save({}, make_entries(1, 3, 1), true).ok());
    ASSERT_TRUE(wal->save_snapshot_marker({Index{100}, Term{4}}).ok());
    EXPECT_EQ(wal->last_index(), Index{100});
    ASSERT_TRUE(wal->save({}, make_entries(101, 102, 4), true).ok());
  }
  EXPECT_EQ(must_open(dir, Index{100}).second.entries, make_entries(101, 102, 4));
  auto without_snapshot = Wal::open(dir, Index{0}, small_segments());
  ASSERT_FALSE(without_snapshot.ok());
  EXPECT_EQ(without_snapshot.error().code, kErrCorrupt);
}

TEST(Wal, PurgeKeepsWhatTheNewestMarkerNeeds) {
  TempDir tmp;
  const std::string dir = tmp.sub("wal");
  auto wal = must_create(dir);
  ASSERT_TRUE(wal->save({Term{1}, NodeId{1}, Index{1}}, make_entries(1, 300, 1), true).ok());
  const size_t before = wal->segments().size();
  ASSERT_GT(before, 6u);
  wal->release_before(Index{250});
  EXPECT_EQ(*wal->purge(2), 0u) << "no marker yet: nothing is released";
  ASSERT_TRUE(wal->save_snapshot_marker({Index{200}, Term{1}}).ok());
  EXPECT_EQ(*wal->purge(0), 0u) << "max_wals 0 keeps everything";
  const size_t purged = *wal->purge(2);
  EXPECT_GT(purged, 0u);
  EXPECT_EQ(wal->segments().size(), before - purged);
  EXPECT_LE(wal->segments().front().first_index, Index{200});
  EXPECT_EQ(testing::files_in(dir).size(), wal->segments().size());
  wal.reset();
  auto [reopened, recovered] = must_open(dir, Index{200});
  EXPECT_EQ(recovered.entries, make_entries(201, 300, 1));
  EXPECT_EQ(recovered.hard_state, (raft::HardState{Term{1}, NodeId{1}, Index{1}}));
  auto too_old = Wal::open(dir, Index{0}, small_segments());
  EXPECT_FALSE(too_old.ok());
}

TEST(Wal, NewSegmentsCarryHardStateAndMarker) {
  TempDir tmp;
  const std::string dir = tmp.sub("wal");
  const raft::HardState hs{Term{3}, NodeId{2}, Index{10}};
  {
    auto wal = must_create(dir);
    ASSERT_TRUE(wal->save(hs, make_entries(1, 100, 3), true).ok());
    ASSERT_TRUE(wal->save_snapshot_marker({Index{90}, Term{3}}).ok());
    ASSERT_TRUE(wal->save({}, make_entries(101, 200, 3), true).ok());
    wal->release_before(Index{90});
    ASSERT_GT(*wal->purge(1), 0u);
    EXPECT_LE(wal->segments().front().first_index, Index{90});  // the one containing 90
    ASSERT_TRUE(wal->save_snapshot_marker({Index{190}, Term{3}}).ok());
    wal->release_before(Index{190});
    ASSERT_GT(*wal->purge(1), 0u);
  }
  // The segment holding the hard-state record is gone; the heads carried it forward.
  auto [wal, recovered] = must_open(dir, Index{190});
  EXPECT_EQ(recovered.hard_state, hs);
  EXPECT_EQ(recovered.snapshot, (SnapshotMarker{Index{190}, Term{3}}));
  EXPECT_EQ(recovered.entries, make_entries(191, 200, 3));
}

TEST(Wal, OnlyOneProcessMayOpenADirectory) {
  TempDir tmp;
  auto wal = must_create(tmp.sub("wal"));
  auto second = Wal::open(tmp.sub("wal"), Index{0}, small_segments());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("in use"), std::string::npos);
}

TEST(Wal, OpenRemovesUnfinishedSegments) {
  TempDir tmp;
  const std::string dir = tmp.sub("wal");
  { auto wal = must_create(dir); }
  testing::write_bytes(dir + "/0000000000000001-0000000000000001.wal.tmp", "partial");
  auto [wal, recovered] = must_open(dir);
  EXPECT_EQ(testing::files_in(dir),
            std::vector<std::string>{"0000000000000000-0000000000000000.wal"});
}

TEST(Wal, RejectsBadOptions) {
  EXPECT_FALSE(small_segments(1000).validate().ok());
  EXPECT_FALSE(small_segments(4097).validate().ok());
  EXPECT_TRUE(small_segments(4096).validate().ok());
  TempDir tmp;
  EXPECT_FALSE(Wal::create(tmp.sub("wal"), kIdentity, small_segments(12)).ok());
}

// A model check: random appends, leader changes (suffix overwrites), markers, purges and
// reopens, compared after every reopen with an in-memory log.
TEST(Wal, MatchesAModelLogUnderRandomOperations) {
  const uint64_t seed = 77;
  Rng rng(seed);
  TempDir tmp;
  const std::string dir = tmp.sub("wal");
  auto wal = must_create(dir);
  std::vector<raft::Entry> model;  // model[k].index == k + 1
  uint64_t term = 1;
  Index marker;
  for (int step = 0; step < 400; ++step) {
    const uint64_t choice = rng.below(20);
    if (choice == 0 && model.size() > marker.value) {
      marker = Index{marker.value + rng.below(model.size() - marker.value) + 1};
      ASSERT_TRUE(wal->save_snapshot_marker({marker, model[marker.value - 1].term}).ok());
      wal->release_before(marker);
      ASSERT_TRUE(wal->purge(2).ok());
    } else if (choice == 1) {
      wal.reset();
      auto [reopened, recovered] = must_open(dir, marker);
      ASSERT_EQ(recovered.entries,
                std::vector<raft::Entry>(model.begin() + static_cast<ptrdiff_t>(marker.value),
                                         model.end()))
          << "seed " << seed << " step " << step;
      wal = std::move(reopened);
    } else {
      uint64_t first = model.size() + 1;
      if (choice == 2 && model.size() > marker.value) {  // leader change
        ++term;
        first = marker.value + 1 + rng.below(model.size() - marker.value);
      }
      const uint64_t count = 1 + rng.below(8);
      const std::vector<raft::Entry> batch =
          make_entries(first, first + count - 1, term, rng.below(300));
      model.resize(first - 1);
      model.insert(model.end(), batch.begin(), batch.end());
      ASSERT_TRUE(wal->save({Term{term}, kNoNode, marker}, batch, rng.chance(1, 2)).ok());
    }
  }
}

}  // namespace
}  // namespace etcd::wal
