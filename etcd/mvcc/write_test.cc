// Put and DeleteRange: revisions, generations (create revision, version, tombstones),
// prev_kv, leases, ignore_value/ignore_lease, deleting nothing.
#include "etcd/mvcc/mvcc_test_util.h"

namespace etcd::mvcc::testing {
namespace {

using MvccWrite = MvccTest;

TEST_F(MvccWrite, NewKeyspaceIsAtRevisionOneAndNeverCompacted) {
  EXPECT_EQ(kv_->current_revision(), 1);
  EXPECT_EQ(kv_->compact_revision(), 0);
  EXPECT_FALSE(get("a"));
}

TEST_F(MvccWrite, EachPutIsOneRevisionAndVersionsCountWithinAGeneration) {
  EXPECT_EQ(put("a", "1").revision, 2);
  EXPECT_EQ(put("b", "x").revision, 3);
  EXPECT_EQ(put("a", "2").revision, 4);
  EXPECT_EQ(*get("a"), (KeyValue{"a", 2, 4, 2, "2", 0}));
  EXPECT_EQ(*get("b"), (KeyValue{"b", 3, 3, 1, "x", 0}));
  EXPECT_EQ(kv_->current_revision(), 4);
}

TEST_F(MvccWrite, PutOfTheSameValueStillMakesARevision) {
  put("a", "1");
  EXPECT_EQ(put("a", "1").revision, 3);
  EXPECT_EQ(get("a")->version, 2);
}

TEST_F(MvccWrite, DeleteEndsTheGenerationAndAPutStartsANewOne) {
  put("a", "1");
  put("a", "2");
  auto deleted = del("a");
  EXPECT_EQ(deleted.deleted, 1);
  EXPECT_EQ(deleted.revision, 4);
  EXPECT_FALSE(get("a"));
  EXPECT_EQ(put("a", "3").revision, 5);
  EXPECT_EQ(*get("a"), (KeyValue{"a", 5, 5, 1, "3", 0}));
}

TEST_F(MvccWrite, DeletingNothingMakesNoRevision) {
  put("a", "1");
  auto deleted = del("b");
  EXPECT_EQ(deleted.deleted, 0);
  EXPECT_EQ(deleted.revision, 2);
  EXPECT_EQ(kv_->current_revision(), 2);
  del("a");
  EXPECT_EQ(del("a").revision, 3);  // already gone
}

TEST_F(MvccWrite, DeleteRangeDeletesEveryLiveKeyAtOneRevisionWithSubRevisions) {
  put("a", "1");
  put("b", "2");
  put("c", "3");
  put("d", "4");
  del("c");
  DeleteRangeRequest r{"a", "d", true};
  std::vector<Event> events;
  auto deleted = must(del(r, &events));
  EXPECT_EQ(deleted.deleted, 2);
  EXPECT_EQ(deleted.revision, 7);
  ASSERT_EQ(deleted.prev_kvs.size(), 2u);
  EXPECT_EQ(deleted.prev_kvs[0], (KeyValue{"a", 2, 2, 1, "1", 0}));
  EXPECT_EQ(deleted.prev_kvs[1].key, "b");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, EventType::kDelete);
  EXPECT_EQ(events[0].kv, (KeyValue{"a", 0, 7, 0, "", 0}));
  EXPECT_EQ(events[0].prev_kv, deleted.prev_kvs[0]);
  EXPECT_EQ(events[0].revision, (Revision{7, 0}));
  EXPECT_EQ(events[1].revision, (Revision{7, 1}));
  EXPECT_TRUE(get("d"));
}

TEST_F(MvccWrite, DeleteWithoutPrevKvReturnsNone) {
  put("a", "1");
  EXPECT_TRUE(del("a").prev_kvs.empty());
}

TEST_F(MvccWrite, DeleteAllFromKeyWithNulRangeEnd) {
  put("a", "1");
  put("b", "2");
  put("c", "3");
  EXPECT_EQ(del("b", std::string(1, '\0')).deleted, 2);
  EXPECT_TRUE(get("a"));
}

TEST_F(MvccWrite, PutPrevKvAndEvent) {
  put("a", "1", 7);
  PutRequest r{"a", "2", 0, true};
  std::vector<Event> events;
  auto response = must(put(r, &events));
  EXPECT_EQ(response.prev_kv, (KeyValue{"a", 2, 2, 1, "1", 7}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kPut);
  EXPECT_EQ(events[0].kv, (KeyValue{"a", 2, 3, 2, "2", 0}));
  EXPECT_EQ(events[0].prev_kv, response.prev_kv);
  // No previous value: no prev_kv.
  PutRequest fresh{"b", "1", 0, true};
  EXPECT_FALSE(must(put(fresh)).prev_kv);
}

TEST_F(MvccWrite, IgnoreValueAndIgnoreLeaseKeepTheCurrentOnes) {
  put("a", "1", 7);
  PutRequest keep_value{"a", "", 9, false, true, false};
  must(put(keep_value));
  EXPECT_EQ(*get("a"), (KeyValue{"a", 2, 3, 2, "1", 9}));
  PutRequest keep_lease{"a", "new", 0, false, false, true};
  must(put(keep_lease));
  EXPECT_EQ(*get("a"), (KeyValue{"a", 2, 4, 3, "new", 9}));
}

TEST_F(MvccWrite, IgnoreFlagsNeedAnExistingKey) {
  PutRequest r{"a", "", 0, false, true, false};
  auto missing = put(r);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "etcdserver: key not found");
  EXPECT_EQ(kv_->current_revision(), 1);
}

TEST_F(MvccWrite, InvalidPutsAreRefusedWithEtcdsTexts) {
  put("a", "1");
  auto value = put(PutRequest{"a", "v", 0, false, true, false});
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.error().message, "etcdserver: value is provided");
  auto lease = put(PutRequest{"a", "", 5, false, false, true});
  ASSERT_FALSE(lease.ok());
  EXPECT_EQ(lease.error().message, "etcdserver: lease is provided");
  auto empty = put(PutRequest{"", "v"});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message, "etcdserver: key is not provided");
  EXPECT_TRUE(is(empty.error(), ErrorCode::kEmptyKey));
  EXPECT_EQ(kv_->current_revision(), 2);
}

TEST_F(MvccWrite, KeysAndValuesAreBytes) {
  const std::string key("k\0\xff", 3);
  const std::string value("\0\x01\x80", 3);
  put(key, value);
  EXPECT_EQ(get(key)->value, value);
  EXPECT_FALSE(get(std::string("k\0", 2)));
  put("empty", "");
  EXPECT_EQ(get("empty")->value, "");
}

TEST_F(MvccWrite, WritesOutsideATransactionAreABug) {
  EXPECT_DEATH((void)kv_->put(PutRequest{"a", "1"}), "inside the caller's SQLite transaction");
}

}  // namespace
}  // namespace etcd::mvcc::testing
