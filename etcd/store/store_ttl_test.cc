// TTLs: rendering the remaining seconds, expiry through expire()/SYNC, refresh, clearing.
#include <gtest/gtest.h>

#include "etcd/store/store_test_util.h"

namespace etcd::store::testing {
namespace {

using StoreTtl = StoreTest;

TEST(RemainingTtl, RoundsUpLikeEtcd) {
  struct Row {
    int64_t left_ns;
    int64_t ttl_s;
  } rows[] = {
      {60 * kSecond, 60}, {58 * kSecond + 1, 59}, {58 * kSecond, 58},     {1, 1}, {0, 0}, {-1, 0},
      {-kSecond, -1},     {-kSecond - 1, -1},     {-2 * kSecond + 1, -1},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(remaining_ttl_s(kNow + row.left_ns, kNow), row.ttl_s) << row.left_ns;
  }
  EXPECT_GT(remaining_ttl_s(INT64_MAX, INT64_MIN), 0);  // saturates, no overflow
}

TEST_F(StoreTtl, WriteShowsTheRequestedTtlAndGetTheRemainder) {
  Event e = ok(with_ttl(put("/a", "1"), 60));
  EXPECT_EQ(e.node.expiration_ns, kNow + 60 * kSecond);
  EXPECT_EQ(e.node.ttl_s, 60);
  EXPECT_EQ(get("/a", false, kNow + 2 * kSecond)->node.ttl_s, 58);
  EXPECT_EQ(get("/a", false, kNow + 1'500'000'000)->node.ttl_s, 59);
  EXPECT_EQ(get("/a", false, kNow + 60 * kSecond)->node.ttl_s, 0);
  // The parent listing shows the child's ttl too.
  ok(with_ttl(put("/d/k", "v"), 10));
  EXPECT_EQ(get("/d", false, kNow + kSecond)->node.children[0].ttl_s, 9);
}

TEST_F(StoreTtl, TtlZeroMeansExpiringNow) {
  Event e = ok(with_ttl(put("/ttlzero", "1"), 0));
  EXPECT_EQ(e.node.expiration_ns, kNow);
  EXPECT_EQ(e.node.ttl_s, 0);  // left off the wire, expiration kept
}

TEST_F(StoreTtl, ExpirationBefore2000IsPermanentOnCreate) {
  Request r = put("/old", "1");
  r.expiration_ns = 946'684'799LL * kSecond;
  EXPECT_EQ(ok(r).node.expiration_ns, 0);
  r.expiration_ns = -1;
  EXPECT_EQ(ok(r).node.expiration_ns, 0);
}

TEST_F(StoreTtl, ExpireRemovesDueKeysInExpirationOrderWithTheirOwnIndexes) {
  // The observed etcd session: /x/t (ttl 1), /ed/c/d (ttl 1), then /ed given a ttl.
  Request t = with_ttl(put("/x/t", "a"), 1);
  ok(t);  // 1
  Request d = with_ttl(put("/ed/c/d", "a"), 1);
  d.expiration_ns += 100'000'000;
  ok(d);  // 2
  Request dir = with_ttl(mkdir("/ed"), 1);
  dir.expiration_ns += 200'000'000;
  dir.prev_exist = true;
  ok(dir);                               // 3 (update)
  ok(with_ttl(put("/later", "x"), 10));  // 4
  EXPECT_TRUE(expire(kNow).empty());
  std::vector<Event> events = expire(kNow + 3 * kSecond);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(keys_of({events[0].node, events[1].node, events[2].node}),
            (std::vector<std::string>{"/x/t", "/ed/c/d", "/ed"}));
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(events[i].action, Action::expire);
    EXPECT_EQ(events[i].node.modified_index, idx(5 + i));
    EXPECT_EQ(events[i].etcd_index, idx(5 + i));
    EXPECT_FALSE(events[i].node.value);
    ASSERT_TRUE(events[i].prev_node);
    EXPECT_NE(events[i].prev_node->expiration_ns, 0);
    EXPECT_LE(events[i].prev_node->ttl_s, 0);
  }
  EXPECT_EQ(events[0].node.created_index, idx(1));
  EXPECT_EQ(events[0].prev_node->value, "a");
  EXPECT_TRUE(events[2].node.dir);
  EXPECT_EQ(events[2].node.created_index, idx(2));
  EXPECT_EQ(events[2].prev_node->modified_index, idx(2));  // the dir update kept it
  for (const char* gone : {"/x/t", "/ed", "/ed/c"})
    EXPECT_FALSE(get(gone).ok()) << gone;
  EXPECT_TRUE(get("/x").ok());
  EXPECT_TRUE(get("/later").ok());
  EXPECT_EQ(store_->stats().expire_count, 3u);
  EXPECT_EQ(store_->index(), idx(7));
}

TEST_F(StoreTtl, ExpiredDirectoryTakesChildrenWithoutTheirOwnEvents) {
  Request dir = with_ttl(mkdir("/p"), 1);
  ok(dir);
  ok(with_ttl(put("/p/c", "v"), 5));
  std::vector<Event> events = expire(kNow + 2 * kSecond);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].node.key, "/p");
  EXPECT_TRUE(expire(kNow + 10 * kSecond).empty());
  EXPECT_FALSE(get("/p/c").ok());
}

TEST_F(StoreTtl, ExpiryIsInclusiveAndTiesGoByPath) {
  ok(with_ttl(put("/b", "1"), 1));
  ok(with_ttl(put("/a", "1"), 1));
  ok(with_ttl(put("/c", "1"), 2));
  EXPECT_TRUE(expire(kNow + kSecond - 1).empty());
  std::vector<Event> events = expire(kNow + kSecond);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].node.key, "/a");
  EXPECT_EQ(events[1].node.key, "/b");
}

TEST_F(StoreTtl, SyncRequestExpiresThroughApply) {
  ok(with_ttl(put("/a", "1"), 1));
  Event e = ok(sync_at(kNow + 5 * kSecond));
  EXPECT_EQ(e.action, Action::sync);
  EXPECT_EQ(e.etcd_index, idx(2));
  EXPECT_FALSE(get("/a").ok());
  Event nothing = ok(sync_at(kNow + 6 * kSecond));
  EXPECT_EQ(nothing.etcd_index, idx(2));
}

TEST_F(StoreTtl, RefreshWithoutPrevExistIsASetKeepingTheValue) {
  ok(put("/a", "1"));
  ok(put("/a", "2"));
  Request r = with_ttl(put("/a", ""), 100);
  r.refresh = true;
  Event e = ok(r);
  EXPECT_EQ(e.action, Action::set);
  EXPECT_EQ(e.node.value, "2");
  EXPECT_EQ(e.node.ttl_s, 100);
  EXPECT_EQ(e.node.created_index, idx(3));
  EXPECT_EQ(e.prev_node->value, "2");
  EXPECT_TRUE(e.refresh);
  EXPECT_FALSE(e.created());
  EXPECT_EQ(store_->stats().sets_success, 3u);
}

TEST_F(StoreTtl, RefreshWithPrevExistIsAnUpdateThatAdvancesModifiedIndex) {
  ok(with_ttl(put("/a", "2"), 100));
  Request r = with_ttl(put("/a", ""), 100);
  r.refresh = true;
  r.prev_exist = true;
  r.expiration_ns += 10'000'000;
  Event e = ok(r);
  EXPECT_EQ(e.action, Action::update);
  EXPECT_EQ(e.node.value, "2");
  EXPECT_EQ(e.node.modified_index, idx(2));
  EXPECT_EQ(e.node.created_index, idx(1));
  EXPECT_EQ(e.node.expiration_ns, kNow + 100 * kSecond + 10'000'000);
  EXPECT_TRUE(e.refresh);
}

TEST_F(StoreTtl, RefreshThroughCompareAndSwapKeepsTheValue) {
  ok(put("/a", "2"));
  Request r = with_ttl(put("/a", ""), 100);
  r.refresh = true;
  r.prev_value = "1";
  EXPECT_EQ(fails(r).cause, "[1 != 2]");
  r.prev_value = "2";
  Event e = ok(r);
  EXPECT_EQ(e.action, Action::compare_and_swap);
  EXPECT_EQ(e.node.value, "2");
  EXPECT_TRUE(e.refresh);
}

TEST_F(StoreTtl, RefreshOfAMissingKeyIsNotFound) {
  for (bool prev_exist : {false, true}) {
    Request r = with_ttl(put("/newk3", ""), 5);
    r.refresh = true;
    if (prev_exist) r.prev_exist = true;
    StoreError err = fails(r);
    EXPECT_EQ(err.code, ErrorCode::key_not_found);
    EXPECT_EQ(err.cause, "/newk3");
  }
}

TEST_F(StoreTtl, RefreshOfADirectoryWithoutPrevExistIsNotAFile) {
  ok(mkdir("/td"));
  Request r = with_ttl(put("/td", ""), 5);
  r.refresh = true;
  EXPECT_EQ(fails(r).code, ErrorCode::not_file);
  r.prev_exist = true;
  Event e = ok(r);
  EXPECT_EQ(e.action, Action::update);
  EXPECT_TRUE(e.node.dir);
  EXPECT_EQ(e.node.ttl_s, 5);
}

TEST_F(StoreTtl, EmptyTtlWithPrevExistClearsTheTtl) {
  ok(with_ttl(put("/a", "1"), 5));
  Request r = put("/a", "1");
  r.prev_exist = true;  // expiration_ns 0: the API's `ttl=`
  Event e = ok(r);
  EXPECT_EQ(e.node.expiration_ns, 0);
  EXPECT_EQ(e.node.ttl_s, 0);
  EXPECT_TRUE(expire(kNow + 100 * kSecond).empty());
  EXPECT_TRUE(get("/a").ok());
}

TEST_F(StoreTtl, DirectoryTtlCanBeClearedAndSet) {
  ok(with_ttl(mkdir("/td"), 200));
  Request clear = mkdir("/td");
  clear.prev_exist = true;
  Event cleared = ok(clear);
  EXPECT_EQ(cleared.node.expiration_ns, 0);
  EXPECT_EQ(cleared.prev_node->ttl_s, 200);
  EXPECT_EQ(get("/td")->node.expiration_ns, 0);
  EXPECT_TRUE(expire(kNow + 300 * kSecond).empty());
}

}  // namespace
}  // namespace etcd::store::testing
