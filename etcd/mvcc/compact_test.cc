// Compaction: what survives (each key's newest revision at or below the compact revision
// when live there), errors, reads around it, repeated compactions, the hash.
#include <sqlite3.h>

#include "etcd/mvcc/mvcc_test_util.h"

namespace etcd::mvcc::testing {
namespace {

class MvccCompact : public MvccTest {
 protected:
  int64_t rows() {
    store::Statement count(db_->handle(), "SELECT count(*) FROM mvcc_revisions");
    return count.step() ? count.int64(0) : -1;
  }
  uint32_t hash(int64_t revision = 0) { return must(kv_->hash_kv(revision)).hash; }
};

TEST_F(MvccCompact, KeepsTheNewestRevisionOfKeysLiveAtTheCompactRevision) {
  put("a", "1");  // 2
  put("a", "2");  // 3
  put("b", "1");  // 4
  del("b");       // 5
  put("a", "3");  // 6
  put("c", "1");  // 7
  EXPECT_EQ(rows(), 6);
  EXPECT_EQ(must(compact(6)).revision, 7);
  EXPECT_EQ(kv_->compact_revision(), 6);
  EXPECT_EQ(rows(), 2);  // a@6, c@7: b's generation ended at 5 and is gone
  EXPECT_EQ(get("a", 6)->value, "3");
  EXPECT_FALSE(get("b", 6));
  EXPECT_EQ(get("a")->version, 3);  // versions and create revisions are unchanged
  EXPECT_EQ(get("a")->create_revision, 2);
}

TEST_F(MvccCompact, KeepsOlderRevisionsWhenNothingNewerIsBelow) {
  put("a", "1");  // 2
  put("b", "1");  // 3
  put("a", "2");  // 4
  ASSERT_TRUE(compact(3).ok());
  EXPECT_EQ(get("a", 3)->value, "1");
  EXPECT_EQ(get("b", 3)->value, "1");
  EXPECT_EQ(rows(), 3);
  ASSERT_TRUE(compact(4).ok());
  EXPECT_EQ(rows(), 2);
  EXPECT_EQ(get("b", 4)->mod_revision, 3);
}

TEST_F(MvccCompact, Errors) {
  put("a", "1");
  auto future = compact(3);
  ASSERT_FALSE(future.ok());
  EXPECT_EQ(future.error().message, "mvcc: required revision is a future revision");
  ASSERT_TRUE(compact(2).ok());
  auto again = compact(2);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().message, "mvcc: required revision has been compacted");
  EXPECT_FALSE(compact(1).ok());
  EXPECT_EQ(kv_->compact_revision(), 2);
}

TEST_F(MvccCompact, DeletedKeyCanBeRecreatedAfterCompaction) {
  put("a", "1");
  del("a");
  ASSERT_TRUE(compact(3).ok());
  EXPECT_EQ(rows(), 0);
  put("a", "2");
  EXPECT_EQ(*get("a"), (KeyValue{"a", 4, 4, 1, "2", 0}));
}

TEST_F(MvccCompact, HashIsDeterministicAndTracksHistory) {
  put("a", "1");
  put("b", "2");
  const uint32_t at3 = hash(3);
  EXPECT_EQ(hash(), hash(3));
  put("a", "3");
  EXPECT_NE(hash(), at3);
  EXPECT_EQ(hash(3), at3);  // history at 3 unchanged
  EXPECT_NE(hash(2), at3);
  // Another store fed the same requests has the same hash.
  auto other_db = std::move(store::Database::open(":memory:")).value();
  auto other = std::move(KvStore::open(*other_db)).value();
  {
    Transaction t(*other_db);
    for (auto [k, v] : {std::pair{"a", "1"}, {"b", "2"}, {"a", "3"}}) {
      ASSERT_TRUE(other->put(PutRequest{k, v}).ok());
    }
  }
  EXPECT_EQ(must(other->hash_kv(0)).hash, hash());
  auto response = must(kv_->hash_kv(0));
  EXPECT_EQ(response.revision, 4);
  EXPECT_EQ(response.compact_revision, 0);
}

TEST_F(MvccCompact, HashErrors) {
  put("a", "1");
  put("a", "2");
  ASSERT_TRUE(compact(2).ok());
  EXPECT_TRUE(is(kv_->hash_kv(2).error(), ErrorCode::kCompacted));
  EXPECT_TRUE(is(kv_->hash_kv(4).error(), ErrorCode::kFutureRevision));
  EXPECT_TRUE(kv_->hash_kv(3).ok());
}

TEST_F(MvccCompact, ManyKeysCompactAndReadWithoutScanningHistory) {
  // 2,000 keys x 5 revisions; reads at the current revision walk mvcc_keys only.
  {
    Transaction t(*db_);
    for (int round = 0; round < 5; ++round) {
      for (int i = 0; i < 2000; ++i) {
        ASSERT_TRUE(kv_->put(PutRequest{"k" + std::to_string(i), std::to_string(round)}).ok());
      }
    }
  }
  EXPECT_EQ(rows(), 10000);
  RangeRequest r{"k1", "k2", 5};
  auto response = must(kv_->range(r));
  EXPECT_EQ(response.count, 1111);
  EXPECT_EQ(response.kvs.size(), 5u);
  ASSERT_TRUE(compact(kv_->current_revision() - 1000).ok());
  EXPECT_EQ(rows(), 3000);
  r.revision = kv_->compact_revision();
  EXPECT_EQ(must(kv_->range(r)).count, 1111);
}

TEST_F(MvccCompact, RangePlansUseTheIndexes) {
  auto plan = [&](const char* sql) {
    store::Statement s(db_->handle(), std::string("EXPLAIN QUERY PLAN ") + sql);
    std::string out;
    while (s.step())
      out += std::string(s.blob(3)) + "\n";
    return out;
  };
  const std::string live = plan(
      "SELECT r.value FROM mvcc_keys k CROSS JOIN mvcc_revisions r ON r.key = k.key AND "
      "r.main = k.main WHERE k.key >= x'61' AND k.key < x'62' ORDER BY k.key");
  EXPECT_NE(live.find("SEARCH k USING PRIMARY KEY (key>? AND key<?)"), std::string::npos) << live;
  EXPECT_NE(live.find("SEARCH r USING PRIMARY KEY (key=? AND main=?)"), std::string::npos) << live;
  const std::string latest = plan(
      "SELECT value FROM mvcc_revisions WHERE key = x'61' AND main <= 5 ORDER BY main DESC LIMIT "
      "1");
  EXPECT_NE(latest.find("USING PRIMARY KEY (key=? AND main<?)"), std::string::npos) << latest;
}

}  // namespace
}  // namespace etcd::mvcc::testing
