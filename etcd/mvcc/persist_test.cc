// Durability: the keyspace survives closing and reopening the database file (the same
// answers, hash included), shares the file with the v2 store, follows the caller's
// rollbacks, and refuses another schema version.
#include <filesystem>

#include "etcd/mvcc/describe.h"
#include "etcd/mvcc/mvcc_test_util.h"
#include "etcd/store/store.h"

namespace etcd::mvcc::testing {
namespace {

class MvccPersist : public MvccTest {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mvcc_persist_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "db").string();
    open(path_);
  }
  void TearDown() override {
    kv_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Everything a client could ask, as text.
  std::string answers() {
    std::string out = std::to_string(kv_->current_revision()) + "/" +
                      std::to_string(kv_->compact_revision()) + "\n";
    for (int64_t rev = kv_->compact_revision(); rev <= kv_->current_revision(); ++rev) {
      RangeRequest all{std::string(1, '\0'), std::string(1, '\0')};
      all.revision = rev;
      out += describe(kv_->range(all)) + "\n";
    }
    out += describe(kv_->events(kv_->compact_revision(), 0, 0, true));
    return out + std::to_string(must(kv_->hash_kv(0)).hash);
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(MvccPersist, ReopenGivesTheSameAnswers) {
  for (int i = 0; i < 20; ++i)
    put("k" + std::to_string(i % 7), std::to_string(i));
  del("k3");
  TxnRequest t;
  t.success = {op_put("x", "1"), op_delete("k0", "k2")};
  ASSERT_TRUE(txn(t).ok());
  ASSERT_TRUE(compact(10).ok());
  put("k1", "after");
  const std::string before = answers();
  open(path_);
  EXPECT_EQ(answers(), before);
  EXPECT_EQ(put("y", "1").revision, 25);
}

TEST_F(MvccPersist, RolledBackWritesLeaveNoTrace) {
  put("a", "1");
  const std::string before = answers();
  db_->exec("BEGIN");
  ASSERT_TRUE(kv_->put(PutRequest{"a", "2"}).ok());
  ASSERT_TRUE(kv_->compact(CompactionRequest{2}).ok());
  db_->exec("ROLLBACK");
  EXPECT_EQ(answers(), before);
  open(path_);
  EXPECT_EQ(answers(), before);
}

TEST_F(MvccPersist, SharesTheFileWithTheV2Store) {
  put("v3", "1");
  kv_.reset();
  db_.reset();
  {
    auto v2 = store::Store::open(path_);
    ASSERT_TRUE(v2.ok()) << str(v2.error());
    store::Request set;
    set.method = store::Method::put;
    set.path = "/v2key";
    set.value = "v";
    (*v2)->begin_batch();
    ASSERT_TRUE((*v2)->apply(set, Index(1)).ok());
    (*v2)->commit_batch(Index(1));
  }
  open(path_);
  EXPECT_EQ(get("v3")->value, "1");
  EXPECT_FALSE(get("/v2key"));  // separate keyspaces
  auto v2 = store::Store::open(path_);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ((*v2)->applied_index(), Index(1));
}

TEST_F(MvccPersist, AnotherSchemaVersionIsRefused) {
  db_->exec("UPDATE mvcc_meta SET value = 9 WHERE name = CAST('schema_version' AS BLOB)");
  auto reopened = KvStore::open(*db_);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error().message, "mvcc: database has schema version 9, expected 1");
}

}  // namespace
}  // namespace etcd::mvcc::testing
