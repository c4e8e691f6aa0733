#include "etcd/transport/message_batch.h"

#include <gtest/gtest.h>

namespace etcd::transport {
namespace {

raft::Message append_message(uint64_t index, std::string data) {
  raft::Message m;
  m.type = raft::MessageType::append;
  m.from = NodeId(1);
  m.to = NodeId(2);
  m.term = Term(3);
  m.index = Index(index);
  m.entries.push_back(
      raft::Entry{Term(3), Index(index + 1), raft::EntryType::normal, std::move(data)});
  return m;
}

TEST(MessageBatch, RoundTripsManyMessagesInOrder) {
  std::string buffer;
  MessageBatch batch(buffer);
  std::vector<raft::Message> sent;
  for (uint64_t i = 0; i < 500; ++i) {
    sent.push_back(append_message(i, std::string(i % 7, 'x')));
    batch.append(sent.back());
  }
  EXPECT_EQ(batch.count(), 500u);
  auto decoded = decode_batch(buffer);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, sent);
}

TEST(MessageBatch, AnEmptyBatchDecodesToNothing) {
  std::string buffer;
  MessageBatch batch(buffer);
  auto decoded = decode_batch(buffer);
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->empty());
}

TEST(MessageBatch, DropLastRemovesOnlyTheLastMessage) {
  std::string buffer;
  MessageBatch batch(buffer);
  batch.append(append_message(1, "a"));
  const size_t one = batch.bytes();
  batch.append(append_message(2, "b"));
  batch.drop_last();
  EXPECT_EQ(batch.count(), 1u);
  EXPECT_EQ(batch.bytes(), one);
  auto decoded = decode_batch(buffer);
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->size(), 1u);
  EXPECT_EQ((*decoded)[0].index, Index(1));
}

TEST(MessageBatch, ReusingTheBufferStartsAFreshBatch) {
  std::string buffer;
  {
    MessageBatch first(buffer);
    first.append(append_message(1, "a"));
  }
  MessageBatch second(buffer);
  second.append(append_message(9, "z"));
  auto decoded = decode_batch(buffer);
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->size(), 1u);
  EXPECT_EQ((*decoded)[0].index, Index(9));
}

TEST(MessageBatch, RejectsEveryTruncationAndTrailingBytes) {
  std::string buffer;
  MessageBatch batch(buffer);
  batch.append(append_message(1, "abc"));
  batch.append(append_message(2, "defg"));
  for (size_t cut = 0; cut < buffer.size(); ++cut) {
    EXPECT_FALSE(decode_batch(std::string_view(buffer).substr(0, cut)).ok()) << cut;
  }
  EXPECT_FALSE(decode_batch(buffer + "x").ok());
}

TEST(MessageBatch, RejectsAnAbsurdCountWithoutAllocating) {
  const std::string hostile("\xff\xff\xff\x7f", 4);
  auto decoded = decode_batch(hostile);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().message, "malformed batch header");
}

}  // namespace
}  // namespace etcd::transport
