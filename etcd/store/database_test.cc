#include "etcd/store/database.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "etcd/store/store_test_util.h"

namespace etcd::store {
namespace {

std::unique_ptr<Database> memory_database() {
  auto db = Database::open(":memory:");
  EXPECT_TRUE(db.ok());
  return std::move(db).value();
}

TEST(DatabaseTest, CachedPreparesAStatementOnceAndHandsItOutAgain) {
  auto db = memory_database();
  db->exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
  Statement& insert = db->cached("INSERT INTO t (k, v) VALUES (?1, ?2)");
  insert.bind(1, int64_t{1}).bind(2, int64_t{10}).run();
  Statement& again = db->cached(std::string("INSERT INTO t (k, v) VALUES (?1, ?2)"));
  EXPECT_EQ(&again, &insert);  // the same prepared statement, found by its text
  again.bind(1, int64_t{2}).bind(2, int64_t{20}).run();

  Statement& sum = db->cached("SELECT sum(v) FROM t");
  EXPECT_NE(&sum, &insert);
  for (int round = 0; round < 2; ++round) {  // reset by the scope, so it runs again
    StatementScope scope(sum);
    ASSERT_TRUE(sum.step());
    EXPECT_EQ(sum.int64(0), 30);
  }
}

TEST(DatabaseTest, SizesFollowTheDataAndTheFreePages) {
  auto db = memory_database();
  db->exec("CREATE TABLE t (v BLOB)");
  const int64_t empty = db->size_bytes();
  EXPECT_GT(empty, 0);
  EXPECT_EQ(db->size_in_use_bytes(), empty);
  db->exec("INSERT INTO t SELECT zeroblob(4096) FROM (WITH RECURSIVE n(i) AS "
           "(SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 64) SELECT i FROM n)");
  const int64_t full = db->size_bytes();
  EXPECT_GT(full, empty + 64 * 4096);
  EXPECT_EQ(db->size_in_use_bytes(), full);
  db->exec("DELETE FROM t");  // the pages go to the free list: the file keeps its size
  EXPECT_EQ(db->size_bytes(), full);
  EXPECT_LT(db->size_in_use_bytes(), empty + 4096 * 4);
}

int64_t sum_of(Database& db) {
  Statement& sum = db.cached("SELECT sum(v) FROM t");
  StatementScope scope(sum);
  return sum.step() ? sum.int64(0) : -1;
}

void add_row(Database& db, int64_t k, int64_t v) {
  db.cached("INSERT INTO t (k, v) VALUES (?1, ?2)").bind(1, k).bind(2, v).run();
}

TEST(DatabaseTest, ReadScopeReadsOneSnapshotAndEndsIt) {
  const std::string path = testing::temp_dir() + "/db";
  auto reader = Database::open(path);
  auto writer = Database::open(path);
  ASSERT_TRUE(reader.ok() && writer.ok());
  (*writer)->exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
  add_row(**writer, 1, 10);
  {
    ReadScope read(**reader);
    EXPECT_EQ(sqlite3_get_autocommit((*reader)->handle()), 0);
    EXPECT_EQ(sum_of(**reader), 10);
    add_row(**writer, 2, 20);  // committed by the other connection meanwhile
    EXPECT_EQ(sum_of(**reader), 10) << "statements in one scope see one snapshot";
  }
  EXPECT_NE(sqlite3_get_autocommit((*reader)->handle()), 0) << "the scope ended its read";
  EXPECT_EQ(sum_of(**reader), 30);
  add_row(**writer, 3, 30);  // outside a scope, each read sees the latest commit
  EXPECT_EQ(sum_of(**reader), 60);
}

TEST(DatabaseTest, ReadScopeInsideAnOpenTransactionLeavesItOpen) {
  auto db = memory_database();
  db->exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
  db->exec("BEGIN");
  add_row(*db, 1, 10);
  {
    ReadScope read(*db);
    EXPECT_EQ(sum_of(*db), 10) << "the open transaction's own writes are seen";
  }
  EXPECT_EQ(sqlite3_get_autocommit(db->handle()), 0) << "the caller's transaction is still open";
  db->exec("ROLLBACK");  // the scope committed nothing: the row goes with the rollback
  Statement& count = db->cached("SELECT count(*) FROM t");
  StatementScope scope(count);
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.int64(0), 0);
}

}  // namespace
}  // namespace etcd::store
