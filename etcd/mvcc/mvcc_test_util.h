// Test helpers: a keyspace on a private in-memory database, each mutation in its own
// SQLite transaction (the standalone mode; the server wraps a whole raft batch instead),
// and request builders.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "etcd/mvcc/error.h"
#include "etcd/mvcc/kv_store.h"
#include "etcd/store/database.h"

namespace etcd::mvcc::testing {

using store::Transaction;

inline std::string str(const Error& e) {
  return e.message + " (code " + std::to_string(e.code) + ")";
}

inline RequestOp op_range(std::string key, std::string end = "", int64_t revision = 0) {
  RangeRequest r;
  r.key = std::move(key);
  r.range_end = std::move(end);
  r.revision = revision;
  return r;
}
inline RequestOp op_put(std::string key, std::string value, int64_t lease = 0) {
  PutRequest r;
  r.key = std::move(key);
  r.value = std::move(value);
  r.lease = lease;
  return r;
}
inline RequestOp op_delete(std::string key, std::string end = "") {
  DeleteRangeRequest r;
  r.key = std::move(key);
  r.range_end = std::move(end);
  return r;
}
inline RequestOp op_txn(TxnRequest txn) {
  return std::make_shared<TxnRequest>(std::move(txn));
}
inline Compare cmp(CompareTarget target, CompareResult result, std::string key, int64_t number,
                   std::string value = "", std::string end = "") {
  Compare c;
  c.target = target;
  c.result = result;
  c.key = std::move(key);
  c.range_end = std::move(end);
  c.number = number;
  c.value = std::move(value);
  return c;
}

class MvccTest : public ::testing::Test {
 protected:
  void SetUp() override { open(":memory:"); }

  void open(const std::string& path) {
    kv_.reset();
    auto db = store::Database::open(path);
    ASSERT_TRUE(db.ok()) << str(db.error());
    db_ = std::move(db).value();
    auto kv = KvStore::open(*db_);
    ASSERT_TRUE(kv.ok()) << str(kv.error());
    kv_ = std::move(kv).value();
    // Puts may only name existing leases: tests use ids 1..kTestLeases freely.
    Transaction t(*db_);
    for (int64_t id = 1; id <= kTestLeases; ++id)
      (void)kv_->lease_grant({id, 60});
  }
  static constexpr int64_t kTestLeases = 9;

  PutResponse put(const std::string& key, const std::string& value, int64_t lease = 0) {
    PutRequest r;
    r.key = key;
    r.value = value;
    r.lease = lease;
    return must(put(r));
  }
  Result<PutResponse> put(const PutRequest& r, std::vector<Event>* events = nullptr) {
    Transaction t(*db_);
    return kv_->put(r, events);
  }
  DeleteRangeResponse del(const std::string& key, const std::string& end = "") {
    DeleteRangeRequest r;
    r.key = key;
    r.range_end = end;
    return must(del(r));
  }
  Result<DeleteRangeResponse> del(const DeleteRangeRequest& r,
                                  std::vector<Event>* events = nullptr) {
    Transaction t(*db_);
    return kv_->delete_range(r, events);
  }
  Result<TxnResponse> txn(const TxnRequest& r, std::vector<Event>* events = nullptr) {
    Transaction t(*db_);
    return kv_->txn(r, events);
  }
  Result<CompactionResponse> compact(int64_t revision) {
    Transaction t(*db_);
    return kv_->compact(CompactionRequest{revision, false});
  }
  // The key's value at `revision` (0: current), or nullopt.
  std::optional<KeyValue> get(const std::string& key, int64_t revision = 0) {
    RangeRequest r;
    r.key = key;
    r.revision = revision;
    auto got = kv_->range(r);
    EXPECT_TRUE(got.ok()) << str(got.error());
    if (!got.ok() || got->kvs.empty()) return std::nullopt;
    return got->kvs.front();
  }
  std::vector<std::string> keys(const RangeResponse& response) {
    std::vector<std::string> out;
    for (const auto& kv : response.kvs)
      out.push_back(kv.key);
    return out;
  }

  // "key=value@mod_revision " per row.
  static std::string describe_kvs(const RangeResponse& response) {
    std::string out;
    for (const auto& kv : response.kvs) {
      out += kv.key + "=" + kv.value + "@" + std::to_string(kv.mod_revision) + " ";
    }
    return out;
  }

  template <typename T>
  static T must(Result<T> result) {
    EXPECT_TRUE(result.ok()) << str(result.error());
    return result.ok() ? std::move(result).value() : T{};
  }

  std::unique_ptr<store::Database> db_;
  std::unique_ptr<KvStore> kv_;
};

}  // namespace etcd::mvcc::testing
