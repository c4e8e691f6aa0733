#include "etcd/raft/codec.h"

#include <gtest/gtest.h>

namespace etcd::raft {
namespace {

Message sample_message() {
  Message m;
  m.type = MessageType::append;
  m.to = NodeId{2};
  m.from = NodeId{1};
  m.term = Term{7};
  m.log_term = Term{6};
  m.index = Index{41};
  m.commit = Index{40};
  m.reject = true;
  m.reject_hint = Index{12};
  m.reject_hint_term = Term{3};
  m.context = "ctx";
  m.entries = {{Term{7}, Index{42}, EntryType::normal, "a"},
               {Term{7}, Index{43}, EntryType::conf_change, std::string("\0b", 2)}};
  m.snapshot = Snapshot{{Index{30}, Term{5}, {{NodeId{1}, NodeId{2}}, {NodeId{9}}}}, "state"};
  return m;
}

TEST(Codec, RoundTripsEveryType) {
  const Message m = sample_message();
  auto decoded = decode_message(encode(m));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, m);

  const HardState hs{Term{3}, NodeId{2}, Index{9}};
  EXPECT_EQ(*decode_hard_state(encode(hs)), hs);
  const ConfChange cc{ConfChangeType::add_learner, NodeId{4}, "peer-urls"};
  EXPECT_EQ(*decode_conf_change(encode(cc)), cc);
  const Entry e{Term{1}, Index{2}, EntryType::normal, "x"};
  EXPECT_EQ(*decode_entry(encode(e)), e);
  const SnapshotMetadata md = m.snapshot->metadata;
  EXPECT_EQ(*decode_snapshot_metadata(encode(md)), md);
}

TEST(Codec, RejectsEveryTruncationAndTrailingBytes) {
  const std::string bytes = encode(sample_message());
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_message(bytes.substr(0, n)).ok()) << "prefix of " << n << " bytes";
  }
  EXPECT_FALSE(decode_message(bytes + "x").ok());
}

TEST(Codec, RejectsUnknownEnumsAndHugeCounts) {
  std::string bytes = encode(sample_message());
  std::string bad_type = bytes;
  bad_type[1] = static_cast<char>(200);
  EXPECT_FALSE(decode_message(bad_type).ok());

  Message empty;
  std::string small = encode(empty);
  // Entry count sits just before the snapshot flag at the end: claim 2^31 entries.
  small[small.size() - 5] = 0;
  small[small.size() - 2] = static_cast<char>(0x80);
  EXPECT_FALSE(decode_message(small).ok());
}

}  // namespace
}  // namespace etcd::raft
