#include "etcd/wal/replay.h"

#include <deque>

#include <gtest/gtest.h>

#include "etcd/raft/codec.h"
#include "etcd/wal/test_util.h"

namespace etcd::wal {
namespace {

using testing::make_entries;
using testing::make_entry;

// Feeds records to a Replay the way recovery does, keeping payloads alive.
class Feeder {
 public:
  explicit Feeder(Index from) : replay(from) {}

  void segment(uint32_t prev_crc = 0, Identity identity = {NodeId{1}, 7},
               std::optional<uint32_t> check_prev = std::nullopt) {
    replay.begin_segment(check_prev);
    ASSERT_TRUE(add(RecordType::crc, crc_payload(prev_crc)).ok());
    ASSERT_TRUE(add(RecordType::metadata, encode_identity(identity)).ok());
  }
  Result<void> add(RecordType type, std::string payload) {
    payloads_.push_back(std::move(payload));
    return replay.add(Record{type, payloads_.back(), 0, 0});
  }
  Result<void> entries(const std::vector<raft::Entry>& entries) {
    for (const raft::Entry& e : entries) {
      Result<void> r = add(RecordType::entry, raft::encode(e));
      if (!r) return r;
    }
    return Ok{};
  }

  Replay replay;

 private:
  std::deque<std::string> payloads_;
};

TEST(Replay, LaterRecordsReplaceTheSuffixFromTheirIndex) {
  Feeder f(Index{0});
  f.segment();
  ASSERT_TRUE(f.entries(make_entries(1, 10, 1)).ok());
  ASSERT_TRUE(f.entries(make_entries(6, 7, 2)).ok());
  const Recovered r = f.replay.take();
  std::vector<raft::Entry> want = make_entries(1, 5, 1);
  for (const raft::Entry& e : make_entries(6, 7, 2))
    want.push_back(e);
  EXPECT_EQ(r.entries, want);
  EXPECT_EQ(r.identity, (Identity{NodeId{1}, 7}));
}

TEST(Replay, KeepsOnlyEntriesAfterFrom) {
  Feeder f(Index{4});
  f.segment();
  ASSERT_TRUE(f.entries(make_entries(1, 8, 1)).ok());
  EXPECT_EQ(f.replay.state().entries, make_entries(5, 8, 1));
  EXPECT_EQ(f.replay.last_index(), Index{8});
}

TEST(Replay, GapIsCorruption) {
  Feeder f(Index{0});
  f.segment();
  ASSERT_TRUE(f.entries(make_entries(1, 3, 1)).ok());
  Result<void> r = f.add(RecordType::entry, raft::encode(make_entry(5, 1)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, kErrCorrupt);
  EXPECT_NE(r.error().message.find("entry 5 does not follow entry 3"), std::string::npos);
}

TEST(Replay, FirstEntryMustFollowFrom) {
  Feeder f(Index{10});
  f.segment();
  EXPECT_FALSE(f.entries({make_entry(12, 1)}).ok());
}

TEST(Replay, LastHardStateAndMarkerWin) {
  Feeder f(Index{0});
  f.segment();
  const raft::HardState a{Term{1}, NodeId{1}, Index{0}}, b{Term{2}, NodeId{2}, Index{3}};
  ASSERT_TRUE(f.add(RecordType::hard_state, raft::encode(a)).ok());
  ASSERT_TRUE(f.add(RecordType::snapshot_marker,
                    raft::encode(raft::SnapshotMetadata{Index{5}, Term{1}, {}}))
                  .ok());
  ASSERT_TRUE(f.add(RecordType::hard_state, raft::encode(b)).ok());
  ASSERT_TRUE(f.add(RecordType::snapshot_marker,
                    raft::encode(raft::SnapshotMetadata{Index{9}, Term{2}, {}}))
                  .ok());
  EXPECT_EQ(f.replay.state().hard_state, b);
  EXPECT_EQ(f.replay.state().snapshot, (SnapshotMarker{Index{9}, Term{2}}));
  EXPECT_EQ(f.replay.last_index(), Index{9});
}

TEST(Replay, RefusesAMalformedHead) {
  {
    Feeder f(Index{0});
    f.replay.begin_segment(std::nullopt);
    EXPECT_FALSE(f.add(RecordType::metadata, encode_identity({})).ok());
  }
  {
    Feeder f(Index{0});
    f.replay.begin_segment(std::nullopt);
    ASSERT_TRUE(f.add(RecordType::crc, crc_payload(0)).ok());
    EXPECT_FALSE(f.add(RecordType::entry, raft::encode(make_entry(1, 1))).ok());
  }
  {
    Feeder f(Index{0});
    f.segment();
    EXPECT_FALSE(f.add(RecordType::crc, crc_payload(0)).ok());
    EXPECT_FALSE(f.add(RecordType::metadata, encode_identity({})).ok());
    EXPECT_FALSE(f.add(RecordType::entry, "garbage").ok());
    EXPECT_FALSE(f.add(RecordType::hard_state, "garbage").ok());
    EXPECT_FALSE(f.add(RecordType::snapshot_marker, "garbage").ok());
  }
}

TEST(Replay, ChecksTheChainAndIdentityAcrossSegments) {
  Feeder f(Index{0});
  f.segment();
  f.replay.begin_segment(0xAAAA);
  Result<void> chain = f.add(RecordType::crc, crc_payload(0xBBBB));
  ASSERT_FALSE(chain.ok());
  EXPECT_NE(chain.error().message.find("crc chain broken"), std::string::npos);

  Feeder g(Index{0});
  g.segment(0, {NodeId{1}, 7});
  g.replay.begin_segment(std::nullopt);
  ASSERT_TRUE(g.add(RecordType::crc, crc_payload(0)).ok());
  Result<void> other = g.add(RecordType::metadata, encode_identity({NodeId{2}, 7}));
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("differs from earlier segments"), std::string::npos);
}

TEST(Replay, IdentityRoundTripsAndRejectsJunk) {
  const Identity id{NodeId{0x8e9e05c52164694d}, 0xcdf818194e3a8c32};
  EXPECT_EQ(*decode_identity(encode_identity(id)), id);
  EXPECT_FALSE(decode_identity(encode_identity(id) + "x").ok());
  EXPECT_FALSE(decode_identity("").ok());
}

}  // namespace
}  // namespace etcd::wal
