// Watches: live watchers (one-shot, stream, recursive, hidden, removals), the history
// (replay, refresh skipping, 401), overflow, listeners and cost.
#include <gtest/gtest.h>

#include "etcd/store/store_test_util.h"

namespace etcd::store::testing {
namespace {

class StoreWatchTest : public StoreTest {
 protected:
  std::shared_ptr<Watcher> watch(const std::string& path, bool recursive, bool stream,
                                 uint64_t since = 0) {
    auto w = store_->watch(path, recursive, stream, idx(since));
    EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.error().cause);
    return w.ok() ? *w : nullptr;
  }
  // Keys and actions of the events taken from `w`.
  static std::vector<std::string> taken(Watcher& w) {
    std::vector<std::string> out;
    for (const auto& e : w.take_events()) {
      out.push_back(std::string(action_name(e->action)) + " " + e->node.key);
    }
    return out;
  }
  using Keys = std::vector<std::string>;
};

TEST_F(StoreWatchTest, OneShotWatcherGetsTheNextEventThenLeaves) {
  auto w = watch("/a", false, false);
  EXPECT_EQ(w->start_index(), idx(0));
  EXPECT_EQ(store_->stats().watchers, 1u);
  EXPECT_FALSE(w->has_events());
  ok(put("/a", "1"));
  ok(put("/a", "2"));
  EXPECT_TRUE(w->done());
  EXPECT_EQ(taken(*w), Keys{"set /a"});
  EXPECT_EQ(store_->stats().watchers, 0u);
}

TEST_F(StoreWatchTest, StreamWatcherStaysUntilRemoved) {
  auto w = watch("/a", false, true);
  ok(put("/a", "1"));
  ok(put("/a", "2"));
  EXPECT_FALSE(w->done());
  EXPECT_EQ(taken(*w), (Keys{"set /a", "set /a"}));
  w->remove();
  w->remove();  // idempotent
  EXPECT_TRUE(w->done());
  EXPECT_EQ(store_->stats().watchers, 0u);
  ok(put("/a", "3"));
  EXPECT_FALSE(w->has_events());
}

TEST_F(StoreWatchTest, OnlyRecursiveWatchersSeeChildren) {
  auto plain = watch("/w", false, true);
  auto deep = watch("/w", true, true);
  auto root = watch("/", true, true);
  ok(put("/w/x/y", "1"));
  ok(put("/other", "1"));
  EXPECT_EQ(taken(*plain), Keys{});
  EXPECT_EQ(taken(*deep), Keys{"set /w/x/y"});
  EXPECT_EQ(taken(*root), (Keys{"set /w/x/y", "set /other"}));
}

TEST_F(StoreWatchTest, LiveRecursiveWatchersAreNotToldAboutHiddenKeys) {
  auto w = watch("/w", true, true);
  auto root = watch("/", true, true);
  auto at_hidden = watch("/w/_h", false, true);
  auto in_hidden = watch("/w/_d", true, true);
  ok(put("/w/_h", "1"));
  ok(put("/w/_d/x", "1"));
  ok(put("/w/v", "1"));
  EXPECT_EQ(taken(*w), Keys{"set /w/v"});
  EXPECT_EQ(taken(*root), Keys{"set /w/v"});
  EXPECT_EQ(taken(*at_hidden), Keys{"set /w/_h"});
  EXPECT_EQ(taken(*in_hidden), Keys{"set /w/_d/x"});
}

TEST_F(StoreWatchTest, HistoryReplayIncludesHiddenKeysAndCarriesTheCurrentIndex) {
  ok(put("/w/_h", "1"));  // 1
  ok(put("/w/v", "1"));   // 2
  auto w = watch("/w", true, false, 1);
  EXPECT_TRUE(w->done());
  EXPECT_EQ(w->start_index(), idx(2));
  EXPECT_EQ(store_->stats().watchers, 0u);  // answered at once, never registered
  auto events = w->take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]->node.key, "/w/_h");
  EXPECT_EQ(events[0]->etcd_index, idx(2));
  EXPECT_EQ(events[0]->node.modified_index, idx(1));
}

TEST_F(StoreWatchTest, HistoryReplaySkipsRefreshes) {
  ok(put("/a", "1"));  // 1
  ok(put("/a", "2"));  // 2
  Request refresh = with_ttl(put("/a", ""), 100);
  refresh.refresh = true;
  ok(refresh);  // 3: set refresh
  refresh.prev_exist = true;
  ok(refresh);  // 4: update refresh
  refresh.prev_exist.reset();
  refresh.prev_value = "2";
  ok(refresh);         // 5: CAS refresh
  ok(put("/a", "3"));  // 6
  for (uint64_t since : {3, 4, 5, 6}) {
    auto w = watch("/a", false, false, since);
    auto events = w->take_events();
    ASSERT_EQ(events.size(), 1u) << since;
    EXPECT_EQ(events[0]->node.modified_index, idx(6)) << since;
    EXPECT_EQ(events[0]->prev_node->ttl_s, 100);
  }
}

TEST_F(StoreWatchTest, LiveWatchersAreNotToldAboutRefreshes) {
  ok(put("/a", "1"));
  auto w = watch("/a", false, true);
  Request refresh = with_ttl(put("/a", ""), 100);
  refresh.refresh = true;
  ok(refresh);
  refresh.prev_exist = true;
  ok(refresh);
  EXPECT_FALSE(w->has_events());
  ok(put("/a", "2"));
  EXPECT_EQ(taken(*w), Keys{"set /a"});
}

TEST_F(StoreWatchTest, HistoryHoldsTheLastThousandEvents) {
  for (int i = 0; i < 1005; ++i)
    ok(put("/k", std::to_string(i)));
  auto old = store_->watch("/k", false, false, idx(1));
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code, ErrorCode::event_index_cleared);
  EXPECT_EQ(old.error().cause, "the requested history has been cleared [6/1]");
  EXPECT_EQ(old.error().index, idx(1005));
  auto oldest = watch("/k", false, false, 6);
  auto events = oldest->take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]->node.value, "5");
  // A key that never changed: still 401 once the index is gone (observed).
  EXPECT_FALSE(store_->watch("/untouched", false, false, idx(2)).ok());
}

TEST_F(StoreWatchTest, OneBatchOfManyWritesLeavesTheSameThousandEvents) {
  store_->begin_batch();
  for (int i = 0; i < 1005; ++i)
    ASSERT_TRUE(store_->apply(put("/k", std::to_string(i)), next_raft()).ok());
  store_->commit_batch(Index(raft_));  // the history is trimmed once, here
  auto old = store_->watch("/k", false, false, idx(5));
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().cause, "the requested history has been cleared [6/5]");
  auto oldest = watch("/k", false, false, 6);
  auto events = oldest->take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]->node.value, "5");
}

TEST_F(StoreWatchTest, FutureSinceIndexWaitsForThatIndex) {
  ok(put("/a", "1"));
  auto w = watch("/a", false, false, 4);
  EXPECT_EQ(store_->stats().watchers, 1u);
  ok(put("/a", "2"));  // 2
  ok(put("/a", "3"));  // 3
  EXPECT_FALSE(w->has_events());
  ok(put("/a", "4"));  // 4
  auto events = w->take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]->node.value, "4");
}

TEST_F(StoreWatchTest, DeletingADirectoryTellsWatchersOfRemovedNodesBelowIt) {
  ok(put("/w/d/x", "1"));
  auto at_x = watch("/w/d/x", false, true);
  auto at_missing = watch("/w/d/nonexist", false, true);
  auto at_dir = watch("/w/d", false, true);
  auto one_shot_dir = watch("/w/d", false, false);
  auto above = watch("/w", true, true);
  Request r = del("/w/d");
  r.recursive = true;
  ok(r);
  EXPECT_EQ(taken(*at_x), Keys{"delete /w/d"});
  EXPECT_EQ(taken(*at_missing), Keys{});
  // As on etcd 3.4: a stream watcher at the removed path itself gets the event twice.
  EXPECT_EQ(taken(*at_dir), (Keys{"delete /w/d", "delete /w/d"}));
  EXPECT_EQ(taken(*one_shot_dir), Keys{"delete /w/d"});
  EXPECT_EQ(taken(*above), Keys{"delete /w/d"});
}

TEST_F(StoreWatchTest, DeletingAFileTellsAStreamWatcherTwice) {
  ok(put("/w/f", "1"));
  auto stream = watch("/w/f", false, true);
  auto once = watch("/w/f", false, false);
  auto parent = watch("/w", true, true);
  ok(del("/w/f"));
  EXPECT_EQ(taken(*stream), (Keys{"delete /w/f", "delete /w/f"}));
  EXPECT_EQ(taken(*once), Keys{"delete /w/f"});
  EXPECT_EQ(taken(*parent), Keys{"delete /w/f"});
}

TEST_F(StoreWatchTest, ExpiryReachesWatchersBelowAndAbove) {
  ok(with_ttl(put("/ed/c/d", "a"), 1));
  Request dir = with_ttl(mkdir("/ed"), 2);
  dir.prev_exist = true;
  ok(dir);
  auto at_d = watch("/ed/c/d", false, false);
  auto at_c = watch("/ed/c", false, false);
  auto root = watch("/", true, true);
  expire(kNow + 3 * kSecond);
  EXPECT_EQ(taken(*at_d), Keys{"expire /ed/c/d"});
  EXPECT_EQ(taken(*at_c), Keys{"expire /ed"});
  EXPECT_EQ(taken(*root), (Keys{"expire /ed/c/d", "expire /ed"}));
}

TEST_F(StoreWatchTest, HistoryReplaysADirectoryRemovalToWatchersBelowIt) {
  ok(put("/w/d/x", "1"));  // 1
  Request r = del("/w/d");
  r.recursive = true;
  ok(r);  // 2
  auto w = watch("/w/d/x", false, false, 2);
  EXPECT_EQ(taken(*w), Keys{"delete /w/d"});
}

TEST_F(StoreWatchTest, StreamAnsweredFromHistoryStaysOpenButSilent) {
  ok(put("/a", "1"));
  auto w = watch("/a", false, true, 1);
  EXPECT_FALSE(w->done());
  EXPECT_EQ(taken(*w), Keys{"set /a"});
  ok(put("/a", "2"));
  EXPECT_FALSE(w->has_events());  // as observed on etcd 3.4
}

TEST_F(StoreWatchTest, SlowStreamWatcherIsDroppedWhenItsQueueIsFull) {
  auto w = watch("/a", false, true);
  for (size_t i = 0; i < Watcher::kQueueCapacity; ++i)
    ok(put("/a", "v"));
  EXPECT_FALSE(w->done());
  ok(put("/a", "overflow"));
  EXPECT_TRUE(w->done());
  EXPECT_TRUE(w->overflowed());
  EXPECT_EQ(w->take_events().size(), Watcher::kQueueCapacity);
  EXPECT_EQ(store_->stats().watchers, 0u);
}

TEST_F(StoreWatchTest, ListenerRunsAfterDeliveryAndMayRemove) {
  auto w = watch("/a", false, true);
  int calls = 0;
  std::vector<std::string> seen;
  w->set_listener([&] {
    ++calls;
    for (const auto& e : w->take_events())
      seen.push_back(*e->node.value);
    w->remove();
  });
  EXPECT_EQ(calls, 0);
  ok(put("/a", "1"));
  ok(put("/a", "2"));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, std::vector<std::string>{"1"});
  // Set on a watcher that already has an event: runs at once.
  ok(put("/b", "1"));
  auto replay = watch("/b", false, false, 3);
  int replay_calls = 0;
  replay->set_listener([&] { ++replay_calls; });
  EXPECT_EQ(replay_calls, 1);
}

TEST_F(StoreWatchTest, WatchPathIsCleaned) {
  auto w = watch("w//d/", false, false);
  EXPECT_EQ(w->path(), "/w/d");
  ok(put("/w/d", "1"));
  EXPECT_TRUE(w->has_events());
}

TEST_F(StoreWatchTest, ThousandsOfIdleWatchersOnlyTheWatchedPathIsTouched) {
  std::vector<std::shared_ptr<Watcher>> idle;
  for (int i = 0; i < 5000; ++i)
    idle.push_back(watch("/idle/" + std::to_string(i), false, false));
  auto hot = watch("/idle/42", false, false);
  EXPECT_EQ(store_->stats().watchers, 5001u);
  ok(put("/idle/42", "x"));
  EXPECT_TRUE(hot->has_events());
  EXPECT_TRUE(idle[42]->has_events());
  EXPECT_FALSE(idle[41]->has_events());
  EXPECT_EQ(store_->stats().watchers, 4999u);
}

TEST(WatcherHubLifetime, DestroyingTheStoreFinishesWatchers) {
  auto store = open_memory();
  auto w = store->watch("/a", false, true, EtcdIndex(0));
  ASSERT_TRUE(w.ok());
  store.reset();
  EXPECT_TRUE((*w)->done());
  (*w)->remove();  // safe after the store is gone
}

}  // namespace
}  // namespace etcd::store::testing
