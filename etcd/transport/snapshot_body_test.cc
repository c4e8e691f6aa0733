#include "etcd/transport/snapshot_body.h"

#include <gtest/gtest.h>

#include "etcd/raft/codec.h"

namespace etcd::transport {
namespace {

raft::Message snapshot_message(std::string data) {
  raft::Message m;
  m.type = raft::MessageType::snapshot;
  m.from = NodeId(1);
  m.to = NodeId(2);
  m.term = Term(4);
  m.snapshot = raft::Snapshot{{Index(100), Term(3), {{NodeId(1), NodeId(2)}, {}}}, std::move(data)};
  return m;
}

TEST(SnapshotBody, SplitMovesTheDataOutAndJoinPutsItBack) {
  raft::Message original = snapshot_message(std::string(1000, 's'));
  raft::Message message = original;
  const char* data_pointer = message.snapshot->data.data();
  std::string data;
  const std::string prefix = snapshot_body::split(message, data);
  EXPECT_EQ(data.data(), data_pointer);  // moved, not copied
  EXPECT_TRUE(message.snapshot->data.empty());
  const uint64_t meta_length = snapshot_body::read_length(std::string_view(prefix).substr(0, 4));
  ASSERT_EQ(prefix.size(), 4 + meta_length + 8);
  EXPECT_EQ(snapshot_body::read_length(std::string_view(prefix).substr(4 + meta_length)), 1000u);
  auto joined =
      snapshot_body::join(std::string_view(prefix).substr(4, meta_length), std::move(data));
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  EXPECT_EQ(*joined, original);
  EXPECT_EQ(snapshot_body::total_bytes(prefix.size(), 1000), prefix.size() + 1000 + 32);
}

TEST(SnapshotBody, JoinRefusesANonSnapshotMessage) {
  raft::Message message;
  message.type = raft::MessageType::heartbeat;
  auto joined = snapshot_body::join(raft::encode(message), "data");
  ASSERT_FALSE(joined.ok());
  EXPECT_NE(joined.error().message.find("heartbeat"), std::string::npos);
}

TEST(Sha256, MatchesTheKnownDigestInAnyChunking) {
  // SHA-256("abc"), FIPS 180-2 appendix B.1.
  const Sha256::Digest expected = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                   0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                   0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  Sha256 whole;
  whole.update("abc");
  EXPECT_EQ(whole.finish(), expected);
  Sha256 pieces;
  pieces.update("a");
  pieces.update("");
  pieces.update("bc");
  EXPECT_EQ(pieces.finish(), expected);
}

}  // namespace
}  // namespace etcd::transport
