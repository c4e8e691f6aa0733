// Range: key conventions, limit/count/more, sort, historical reads and their errors,
// keys_only, count_only, min/max filters.
#include "etcd/mvcc/mvcc_test_util.h"

namespace etcd::mvcc::testing {
namespace {

const std::string kNul(1, '\0');

class MvccRange : public MvccTest {
 protected:
  void SetUp() override {
    MvccTest::SetUp();
    put("a", "3");  // rev 2
    put("b", "1");  // rev 3
    put("c", "2");  // rev 4
    put("b", "4");  // rev 5
    put("d", "0");  // rev 6
  }
  RangeResponse range(RangeRequest r) { return must(kv_->range(r)); }
};

TEST_F(MvccRange, KeyConventions) {
  EXPECT_EQ(keys(range({"b"})), (std::vector<std::string>{"b"}));
  EXPECT_EQ(keys(range({"b", "d"})), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(keys(range({"b", kNul})), (std::vector<std::string>{"b", "c", "d"}));
  EXPECT_EQ(keys(range({kNul, kNul})), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_TRUE(range({"d", "b"}).kvs.empty());
  EXPECT_TRUE(range({"bb"}).kvs.empty());
  EXPECT_EQ(range({"x"}).revision, 6);
}

TEST_F(MvccRange, LimitCountAndMore) {
  RangeRequest r{"a", kNul, 2};
  auto response = range(r);
  EXPECT_EQ(keys(response), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(response.count, 4);
  EXPECT_TRUE(response.more);
  r.limit = 4;
  EXPECT_FALSE(range(r).more);
  r.limit = 5;
  EXPECT_FALSE(range(r).more);
}

TEST_F(MvccRange, CountOnlyAndKeysOnly) {
  RangeRequest count{"a", kNul};
  count.count_only = true;
  auto counted = range(count);
  EXPECT_EQ(counted.count, 4);
  EXPECT_TRUE(counted.kvs.empty());
  RangeRequest keys_only{"b"};
  keys_only.keys_only = true;
  EXPECT_EQ(range(keys_only).kvs.at(0), (KeyValue{"b", 3, 5, 2, "", 0}));
}

TEST_F(MvccRange, SortTargetsAndOrders) {
  RangeRequest r{"a", kNul};
  r.sort_target = SortTarget::kValue;  // order NONE with a non-KEY target: ASCEND
  EXPECT_EQ(keys(range(r)), (std::vector<std::string>{"d", "c", "a", "b"}));
  r.sort_order = SortOrder::kDescend;
  EXPECT_EQ(keys(range(r)), (std::vector<std::string>{"b", "a", "c", "d"}));
  r.sort_target = SortTarget::kKey;
  EXPECT_EQ(keys(range(r)), (std::vector<std::string>{"d", "c", "b", "a"}));
  r.sort_target = SortTarget::kMod;
  EXPECT_EQ(keys(range(r)), (std::vector<std::string>{"d", "b", "c", "a"}));
  r.sort_target = SortTarget::kCreate;
  r.sort_order = SortOrder::kAscend;
  EXPECT_EQ(keys(range(r)), (std::vector<std::string>{"a", "b", "c", "d"}));
  // Ties (version 1 for a, c, d) keep key order, in both directions.
  r.sort_target = SortTarget::kVersion;
  r.sort_order = SortOrder::kDescend;
  EXPECT_EQ(keys(range(r)), (std::vector<std::string>{"b", "a", "c", "d"}));
}

TEST_F(MvccRange, SortWithLimitSortsEverythingFirst) {
  RangeRequest r{"a", kNul, 2};
  r.sort_order = SortOrder::kDescend;
  auto response = range(r);
  EXPECT_EQ(keys(response), (std::vector<std::string>{"d", "c"}));
  EXPECT_TRUE(response.more);
  EXPECT_EQ(response.count, 4);
}

TEST_F(MvccRange, NonKeyTargetWithOrderNoneSortsOnlyTheFirstLimitPlusOneKeys) {
  // etcd 3.4 reads limit + 1 keys when the order is NONE, then sorts them ASCEND.
  RangeRequest r{"a", kNul, 1};
  r.sort_target = SortTarget::kValue;
  EXPECT_EQ(keys(range(r)), (std::vector<std::string>{"a"}));  // "d" (value 0) is not read
}

TEST_F(MvccRange, ModAndCreateRevisionFilters) {
  RangeRequest r{"a", kNul};
  r.min_mod_revision = 4;
  EXPECT_EQ(keys(range(r)), (std::vector<std::string>{"b", "c", "d"}));
  r.max_mod_revision = 5;
  EXPECT_EQ(keys(range(r)), (std::vector<std::string>{"b", "c"}));
  r = RangeRequest{"a", kNul};
  r.min_create_revision = 3;
  r.max_create_revision = 4;
  r.limit = 1;
  auto response = range(r);
  EXPECT_EQ(keys(response), (std::vector<std::string>{"b"}));
  EXPECT_TRUE(response.more);
  EXPECT_EQ(response.count, 4);  // the count is taken before the filters
}

TEST_F(MvccRange, HistoricalReadsSeeEachKeyAsItWas) {
  del("c");  // rev 7
  RangeRequest r{"a", kNul};
  r.revision = 4;
  auto at4 = range(r);
  EXPECT_EQ(at4.revision, 7);  // the header always names the current revision
  EXPECT_EQ(at4.count, 3);
  EXPECT_EQ(describe_kvs(at4), "a=3@2 b=1@3 c=2@4 ");
  r.revision = 1;
  EXPECT_TRUE(range(r).kvs.empty());
  r.revision = 6;
  EXPECT_EQ(describe_kvs(range(r)), "a=3@2 b=4@5 c=2@4 d=0@6 ");
  r.revision = 7;
  EXPECT_EQ(describe_kvs(range(r)), "a=3@2 b=4@5 d=0@6 ");
  EXPECT_EQ(get("c", 6)->value, "2");
  EXPECT_FALSE(get("c", 7));
  r.revision = 5;
  r.limit = 1;
  auto limited = range(r);
  EXPECT_EQ(describe_kvs(limited), "a=3@2 ");
  EXPECT_EQ(limited.count, 3);
  EXPECT_TRUE(limited.more);
}

TEST_F(MvccRange, FutureAndCompactedRevisions) {
  RangeRequest r{"a"};
  r.revision = 7;
  auto future = kv_->range(r);
  ASSERT_FALSE(future.ok());
  EXPECT_EQ(future.error().message, "mvcc: required revision is a future revision");
  ASSERT_TRUE(compact(4).ok());
  r.revision = 3;
  auto compacted = kv_->range(r);
  ASSERT_FALSE(compacted.ok());
  EXPECT_EQ(compacted.error().message, "mvcc: required revision has been compacted");
  EXPECT_TRUE(is(compacted.error(), ErrorCode::kCompacted));
  r.revision = 4;  // the compact revision itself is still readable
  EXPECT_EQ(range(r).kvs.at(0).value, "3");
}

TEST_F(MvccRange, PointReadsAtTheCurrentRevision) {
  RangeRequest r{"a"};
  auto found = range(r);
  EXPECT_EQ(describe_kvs(found), "a=3@2 ");
  EXPECT_EQ(found.count, 1);
  EXPECT_EQ(found.revision, 6);
  r.count_only = true;
  auto counted = range(r);
  EXPECT_TRUE(counted.kvs.empty());
  EXPECT_EQ(counted.count, 1);
  auto missing = range(RangeRequest{"e"});  // never written
  EXPECT_TRUE(missing.kvs.empty());
  EXPECT_EQ(missing.count, 0);
  // Compacted up to the current revision: the current one is still readable, by 0 or by
  // its number, and nothing older is.
  ASSERT_TRUE(compact(6).ok());
  for (int64_t at : {int64_t{0}, int64_t{6}}) {
    RangeRequest now{"a"};
    now.revision = at;
    EXPECT_EQ(describe_kvs(range(now)), "a=3@2 ") << "at " << at;
  }
  RangeRequest older{"a"};
  older.revision = 5;
  auto compacted = kv_->range(older);
  ASSERT_FALSE(compacted.ok());
  EXPECT_TRUE(is(compacted.error(), ErrorCode::kCompacted));
}

TEST_F(MvccRange, InvalidRequests) {
  auto empty = kv_->range(RangeRequest{});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message, "etcdserver: key is not provided");
  RangeRequest bad{"a"};
  bad.sort_order = static_cast<SortOrder>(7);
  auto sort = kv_->range(bad);
  ASSERT_FALSE(sort.ok());
  EXPECT_EQ(sort.error().message, "etcdserver: invalid sort option");
}

}  // namespace
}  // namespace etcd::mvcc::testing
