// Test helpers for the store's unit tests: request builders and a fixture that applies
// each request in its own batch with increasing raft indexes. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "etcd/store/store.h"

namespace etcd::store::testing {

constexpr int64_t kSecond = 1'000'000'000;
// A fixed "now" for every request: 2026-09-21T12:26:40Z.
constexpr int64_t kNow = 1'790'000'000 * kSecond;

inline Request request(Method method, std::string path, std::string value = "") {
  Request r;
  r.method = method;
  r.path = std::move(path);
  r.value = std::move(value);
  r.time_ns = kNow;
  return r;
}
inline Request put(std::string path, std::string value) {
  return request(Method::put, std::move(path), std::move(value));
}
inline Request mkdir(std::string path) {
  Request r = request(Method::put, std::move(path));
  r.dir = true;
  return r;
}
inline Request post(std::string path, std::string value) {
  return request(Method::post, std::move(path), std::move(value));
}
inline Request del(std::string path) {
  return request(Method::remove, std::move(path));
}
inline Request quorum_get(std::string path) {
  return request(Method::get, std::move(path));
}
inline Request sync_at(int64_t time_ns) {
  Request r = request(Method::sync, "");
  r.time_ns = time_ns;
  return r;
}
// `r` with a TTL of `ttl_s` seconds from kNow.
inline Request with_ttl(Request r, int64_t ttl_s) {
  r.expiration_ns = kNow + ttl_s * kSecond;
  return r;
}

inline std::unique_ptr<Store> open_memory() {
  auto store = Store::open(":memory:");
  EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
  return std::move(store).value();
}

// A fresh directory under the test temp dir, unique per call.
inline std::string temp_dir() {
  std::string pattern = ::testing::TempDir() + "store_test_XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  EXPECT_NE(mkdtemp(buffer.data()), nullptr);
  return std::string(buffer.data());
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = open_memory(); }

  // Applies `r` alone in one batch.
  StoreResult<Event> apply(const Request& r) {
    store_->begin_batch();
    auto result = store_->apply(r, next_raft());
    store_->commit_batch(Index(raft_));
    return result;
  }
  // Applies `r` and expects success.
  Event ok(const Request& r) {
    auto result = apply(r);
    EXPECT_TRUE(result.ok()) << r.path << ": error " << static_cast<int>(result.error().code) << " "
                             << result.error().cause;
    return result.ok() ? std::move(result).value() : Event{};
  }
  // Applies `r` and expects a v2 error.
  StoreError fails(const Request& r) {
    auto result = apply(r);
    EXPECT_FALSE(result.ok()) << r.path << " unexpectedly succeeded";
    return result.ok() ? StoreError{} : result.error();
  }
  std::vector<Event> expire(int64_t now_ns) {
    store_->begin_batch();
    auto events = store_->expire(now_ns, next_raft());
    store_->commit_batch(Index(raft_));
    return events;
  }
  StoreResult<Event> get(const std::string& path, bool recursive = false, int64_t now_ns = kNow) {
    return store_->get(path, recursive, false, now_ns);
  }
  Index next_raft() { return Index(++raft_); }

  std::unique_ptr<Store> store_;
  uint64_t raft_ = 0;
};

// Keys of a listing, in order.
inline std::vector<std::string> keys_of(const std::vector<Node>& nodes) {
  std::vector<std::string> keys;
  for (const Node& n : nodes)
    keys.push_back(n.key);
  return keys;
}

inline EtcdIndex idx(uint64_t v) {
  return EtcdIndex(v);
}

}  // namespace etcd::store::testing
