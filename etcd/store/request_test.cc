#include "etcd/store/request.h"

#include <gtest/gtest.h>

namespace etcd::store {
namespace {

Request full_request() {
  Request r;
  r.method = Method::put;
  r.id = 0x1122334455667788ULL;
  r.path = "/a/b";
  r.value = std::string("v\0x", 3);
  r.dir = true;
  r.recursive = true;
  r.sorted = true;
  r.refresh = true;
  r.prev_exist = false;
  r.prev_value = "old";
  r.prev_index = EtcdIndex(42);
  r.expiration_ns = -7;
  r.time_ns = 1'790'000'000'000'000'000;
  return r;
}

TEST(OperationOf, FollowsEtcdApplierV2) {
  auto op = [](Method m, std::optional<bool> exist, std::string prev_value, uint64_t prev_index) {
    Request r;
    r.method = m;
    r.prev_exist = exist;
    r.prev_value = std::move(prev_value);
    r.prev_index = EtcdIndex(prev_index);
    return operation_of(r);
  };
  EXPECT_EQ(op(Method::get, {}, "", 0), Operation::get);
  EXPECT_EQ(op(Method::sync, {}, "", 0), Operation::sync);
  EXPECT_EQ(op(Method::post, {}, "x", 3), Operation::create_in_order);
  EXPECT_EQ(op(Method::put, {}, "", 0), Operation::set);
  EXPECT_EQ(op(Method::put, {}, "x", 0), Operation::compare_and_swap);
  EXPECT_EQ(op(Method::put, {}, "", 3), Operation::compare_and_swap);
  EXPECT_EQ(op(Method::put, false, "x", 3), Operation::create);  // compare ignored
  EXPECT_EQ(op(Method::put, true, "", 0), Operation::update);
  EXPECT_EQ(op(Method::put, true, "x", 0), Operation::compare_and_swap);
  EXPECT_EQ(op(Method::put, true, "", 3), Operation::compare_and_swap);
  EXPECT_EQ(op(Method::remove, {}, "", 0), Operation::remove);
  EXPECT_EQ(op(Method::remove, {}, "x", 0), Operation::compare_and_delete);
  EXPECT_EQ(op(Method::remove, {}, "", 3), Operation::compare_and_delete);
}

TEST(RequestCodec, RoundTrips) {
  for (std::optional<bool> exist :
       {std::optional<bool>(), std::optional<bool>(false), std::optional<bool>(true)}) {
    Request r = full_request();
    r.prev_exist = exist;
    auto back = decode_request(encode(r));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, r);
  }
  Request sync;
  sync.method = Method::sync;
  sync.time_ns = 5;
  auto back = decode_request(encode(sync));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, sync);
}

TEST(RequestCodec, RejectsEveryTruncation) {
  std::string bytes = encode(full_request());
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_request(bytes.substr(0, n)).ok()) << "prefix " << n;
  }
}

TEST(RequestCodec, RejectsMalformedFields) {
  std::string good = encode(full_request());
  // Offsets: version 0, method 1, id 2..9, path length 10..13 + 4 bytes, value length
  // 18..21 + 3 bytes, flags 25, prevExist 26.
  struct Row {
    size_t offset;
    char byte;
    const char* why;
  } rows[] = {
      {0, 2, "version"}, {1, 5, "method"},     {10, '\x7f', "path length"},
      {25, 16, "flags"}, {26, 3, "prevExist"}, {14, 'x', "path without '/'"},
  };
  for (const Row& row : rows) {
    std::string bad = good;
    bad[row.offset] = row.byte;
    EXPECT_FALSE(decode_request(bad).ok()) << row.why;
  }
  EXPECT_FALSE(decode_request(good + '\0').ok()) << "trailing byte";
  EXPECT_FALSE(decode_request("").ok());
}

TEST(RequestCodec, RejectsEmptyPathUnlessSync) {
  Request r;
  r.method = Method::get;
  EXPECT_FALSE(decode_request(encode(r)).ok());
  r.method = Method::sync;
  EXPECT_TRUE(decode_request(encode(r)).ok());
}

TEST(RequestCodec, SurvivesArbitraryBytes) {
  // A cheap deterministic fuzz: flip each byte of a valid encoding through several
  // values; decoding must never crash, and anything accepted must re-encode identically.
  std::string good = encode(full_request());
  for (size_t i = 0; i < good.size(); ++i) {
    for (int v : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
      std::string bad = good;
      bad[i] = static_cast<char>(v);
      auto decoded = decode_request(bad);
      if (decoded.ok()) {
        EXPECT_EQ(encode(*decoded), bad) << i;
      }
    }
  }
}

}  // namespace
}  // namespace etcd::store
