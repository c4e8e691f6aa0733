#include "etcd/mvcc/codec.h"

#include <gtest/gtest.h>

namespace etcd::mvcc {
namespace {

std::string bytes_of(const WriteRequest& request) {
  std::string out;
  encode(request, out);
  return out;
}

TxnRequest sample_txn() {
  TxnRequest t;
  t.compare.push_back(
      {CompareResult::kNotEqual, CompareTarget::kValue, "k", "", 0, std::string("v\0x", 3)});
  t.compare.push_back({CompareResult::kLess, CompareTarget::kMod, "a", "b", -7, ""});
  RangeRequest range{"r", "s", 3, 9, SortOrder::kDescend, SortTarget::kValue, true, true, false,
                     1,   2,   3, 4};
  t.success.emplace_back(range);
  t.success.emplace_back(PutRequest{"p", std::string("\0\xff", 2), 42, true, false, true});
  auto nested = std::make_shared<TxnRequest>();
  nested->failure.emplace_back(DeleteRangeRequest{"d", std::string("\0", 1), true});
  t.failure.emplace_back(nested);
  return t;
}

TEST(MvccCodec, EveryRequestKindRoundTripsByteForByte) {
  for (const WriteRequest& request :
       {WriteRequest{PutRequest{"key", "value", 7, true, false, false}},
        WriteRequest{DeleteRangeRequest{"a", "z", true}}, WriteRequest{sample_txn()},
        WriteRequest{CompactionRequest{123, true}}, WriteRequest{LeaseGrantRequest{-5, 60}},
        WriteRequest{LeaseRevokeRequest{7}}, WriteRequest{LeaseRenewRequest{8}},
        WriteRequest{AlarmRequest{AlarmAction::kActivate, 0xfeedULL << 48, AlarmType::kNoSpace}}}) {
    const std::string encoded = bytes_of(request);
    auto decoded = decode_write_request(encoded);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded->index(), request.index());
    EXPECT_EQ(bytes_of(*decoded), encoded);
  }
}

TEST(MvccCodec, TxnFieldsSurvive) {
  auto decoded = decode_write_request(bytes_of(sample_txn()));
  ASSERT_TRUE(decoded.ok());
  const auto& t = std::get<TxnRequest>(*decoded);
  ASSERT_EQ(t.compare.size(), 2u);
  EXPECT_EQ(t.compare[0].value, std::string("v\0x", 3));
  EXPECT_EQ(t.compare[1].number, -7);
  EXPECT_EQ(t.compare[1].target, CompareTarget::kMod);
  ASSERT_EQ(t.success.size(), 2u);
  const auto& range = std::get<RangeRequest>(t.success[0]);
  EXPECT_EQ(range.sort_order, SortOrder::kDescend);
  EXPECT_EQ(range.max_create_revision, 4);
  EXPECT_EQ(std::get<PutRequest>(t.success[1]).value, std::string("\0\xff", 2));
  const auto& nested = std::get<std::shared_ptr<TxnRequest>>(t.failure[0]);
  EXPECT_EQ(std::get<DeleteRangeRequest>(nested->failure[0]).range_end, std::string("\0", 1));
  EXPECT_EQ(txn_depth(t), 2);
}

TEST(MvccCodec, EveryTruncationAndTrailingByteIsAnError) {
  const std::string encoded = bytes_of(sample_txn());
  for (size_t n = 0; n < encoded.size(); ++n) {
    EXPECT_FALSE(decode_write_request(encoded.substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE(decode_write_request(encoded + "x").ok());
}

TEST(MvccCodec, BadEnumsFlagsAndKindsAreErrors) {
  std::string put = bytes_of(PutRequest{"k", "v", 0, false, false, false});
  put.back() = 2;  // ignore_lease flag must be 0 or 1
  EXPECT_FALSE(decode_write_request(put).ok());
  EXPECT_FALSE(decode_write_request(std::string(1, '\x05')).ok());  // a bare range
  EXPECT_FALSE(decode_write_request(std::string(1, '\x09')).ok());
}

TEST(MvccCodec, NestingDeeperThanTheBoundIsRefused) {
  auto build = [](int depth) {
    TxnRequest top;
    TxnRequest* at = &top;
    for (int i = 1; i < depth; ++i) {
      auto nested = std::make_shared<TxnRequest>();
      TxnRequest* next = nested.get();
      at->success.emplace_back(std::move(nested));
      at = next;
    }
    return top;
  };
  EXPECT_EQ(txn_depth(build(kMaxTxnDepth)), kMaxTxnDepth);
  EXPECT_TRUE(decode_write_request(bytes_of(build(kMaxTxnDepth))).ok());
  EXPECT_FALSE(decode_write_request(bytes_of(build(kMaxTxnDepth + 1))).ok());
}

TEST(MvccCodec, AHostileCountDoesNotAllocate) {
  std::string txn(1, '\x03');
  txn += std::string("\xff\xff\xff\x7f", 4);  // 2^31 compares, no bytes behind them
  EXPECT_FALSE(decode_write_request(txn).ok());
}

}  // namespace
}  // namespace etcd::mvcc
