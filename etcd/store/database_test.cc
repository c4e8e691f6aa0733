#include "etcd/store/database.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace etcd::store
