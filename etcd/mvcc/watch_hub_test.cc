#include "etcd/mvcc/watch_hub.h"

#include <gtest/gtest.h>

#include "etcd/mvcc/mvcc_test_util.h"

namespace etcd::mvcc {
namespace {

using testing::MvccTest;

class WatchHubTest : public MvccTest {
 protected:
  void SetUp() override {
    MvccTest::SetUp();
    hub_ = std::make_unique<WatchHub>(*kv_);
    stream_ = hub_->open_stream([this](WatchResponse r) { replies_.push_back(std::move(r)); });
  }

  // A put through the hub, as the server applies one: the write, then notify.
  void apply_put(const std::string& key, const std::string& value) {
    std::vector<Event> events;
    PutRequest r;
    r.key = key;
    r.value = value;
    ASSERT_TRUE(put(r, &events).ok());
    hub_->notify(events);
  }
  void apply_delete(const std::string& key, const std::string& end = "") {
    std::vector<Event> events;
    DeleteRangeRequest r;
    r.key = key;
    r.range_end = end;
    ASSERT_TRUE(del(r, &events).ok());
    hub_->notify(events);
  }

  std::vector<WatchResponse> take() { return std::exchange(replies_, {}); }

  static std::string keys(const WatchResponse& r) {
    std::string out;
    for (const auto& e : r.events) {
      out += (e.type == EventType::kPut ? "PUT " : "DELETE ") + e.kv.key + "@" +
             std::to_string(e.revision.main) + (e.prev_kv ? "+prev " : " ");
    }
    return out;
  }

  std::unique_ptr<WatchHub> hub_;
  uint64_t stream_ = 0;
  std::vector<WatchResponse> replies_;
};

TEST_F(WatchHubTest, AWatchFromNowSeesOnlyItsRangeAfterCreation) {
  apply_put("a/before", "x");
  hub_->create(stream_, {.key = "a/", .range_end = prefix_range_end("a/")});
  auto created = take();
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0], (WatchResponse{.watch_id = 0, .created = true, .revision = 2}));
  apply_put("a/1", "1");
  apply_put("b/1", "1");
  apply_delete("a/", prefix_range_end("a/"));
  auto got = take();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(keys(got[0]), "PUT a/1@3 ");
  EXPECT_EQ(got[0].revision, 3);
  EXPECT_EQ(keys(got[1]), "DELETE a/1@5 DELETE a/before@5 ");
  EXPECT_EQ(got[1].revision, 5);
}

TEST_F(WatchHubTest, FiltersAndPrevKv) {
  apply_put("k", "old");
  hub_->create(stream_, {.key = "k", .no_delete = true, .prev_kv = true});
  hub_->create(stream_, {.key = "k", .no_put = true});
  take();
  apply_put("k", "new");
  apply_delete("k");
  auto got = take();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].watch_id, 0);
  EXPECT_EQ(keys(got[0]), "PUT k@3+prev ");
  EXPECT_EQ(got[0].events[0].prev_kv->value, "old");
  EXPECT_EQ(got[1].watch_id, 1);
  EXPECT_EQ(keys(got[1]), "DELETE k@4 ");
}

TEST_F(WatchHubTest, AWatchInThePastCatchesUpThenFollows) {
  apply_put("k", "1");  // rev 2
  apply_put("x", "1");  // rev 3
  apply_put("k", "2");  // rev 4
  hub_->create(stream_, {.key = "k", .start_revision = 2});
  auto got = take();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].created);
  EXPECT_EQ(keys(got[1]), "PUT k@2 PUT k@4 ");
  EXPECT_EQ(got[1].revision, 4);
  apply_put("k", "3");
  got = take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(keys(got[0]), "PUT k@5 ") << "nothing delivered twice";
}

TEST_F(WatchHubTest, CatchUpComesInBatchesOfWholeRevisions) {
  for (int i = 0; i < WatchHub::kBatchRevisions + 10; ++i)
    apply_put("k", std::to_string(i));
  hub_->create(stream_, {.key = "k", .start_revision = 1});
  auto got = take();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].events.size(), static_cast<size_t>(WatchHub::kBatchRevisions - 1));
  EXPECT_EQ(got[2].events.size(), 11u);
  EXPECT_EQ(got[2].events.back().revision.main, WatchHub::kBatchRevisions + 11);
}

TEST_F(WatchHubTest, AWatchBelowTheCompactRevisionIsCanceledWithIt) {
  for (int i = 0; i < 5; ++i)
    apply_put("k", std::to_string(i));
  ASSERT_TRUE(compact(4).ok());
  hub_->create(stream_, {.key = "k", .start_revision = 3});
  auto got = take();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].created);
  EXPECT_EQ(got[1], (WatchResponse{.watch_id = 0, .canceled = true, .compact_revision = 4}));
  EXPECT_EQ(hub_->watch_count(), 0u);
  hub_->create(stream_, {.key = "k", .start_revision = 4});
  got = take();
  ASSERT_EQ(got.size(), 2u) << "reading at exactly the compact revision works";
  EXPECT_EQ(keys(got[1]), "PUT k@4 PUT k@5 PUT k@6 ");
}

TEST_F(WatchHubTest, IdsCancelDuplicatesAndEmptyRanges) {
  hub_->create(stream_, {.key = "a"});
  hub_->create(stream_, {.watch_id = 7, .key = "b"});
  hub_->create(stream_, {.watch_id = 7, .key = "c"});
  hub_->create(stream_, {.key = "z", .range_end = "a"});
  hub_->create(stream_, {.key = "d"});
  auto got = take();
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].watch_id, 0);
  EXPECT_EQ(got[1].watch_id, 7);
  EXPECT_TRUE(got[2].canceled);
  EXPECT_EQ(got[2].watch_id, -1);
  EXPECT_EQ(got[2].cancel_reason, kErrDuplicateWatchId);
  EXPECT_EQ(got[3].watch_id, -1);
  EXPECT_EQ(got[3].cancel_reason, kErrEmptyWatchRange);
  EXPECT_EQ(got[4].watch_id, 1);
  hub_->cancel(stream_, 7);
  hub_->cancel(stream_, 42);
  got = take();
  ASSERT_EQ(got.size(), 1u) << "an unknown id gets no answer";
  EXPECT_EQ(got[0], (WatchResponse{.watch_id = 7, .canceled = true, .revision = 1}));
  apply_put("b", "x");
  EXPECT_TRUE(take().empty());
}

TEST_F(WatchHubTest, ProgressAndClosedStreams) {
  hub_->create(stream_, {.key = "a", .progress_notify = true});
  hub_->create(stream_, {.key = "b"});
  take();
  apply_put("c", "1");
  hub_->request_progress(stream_);
  hub_->notify_progress();
  auto got = take();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], (WatchResponse{.watch_id = -1, .revision = 2}));
  EXPECT_EQ(got[1], (WatchResponse{.watch_id = 0, .revision = 2}));
  apply_put("a", "1");
  hub_->notify_progress();
  EXPECT_EQ(take().size(), 1u) << "a watch that saw an event gets no progress reply";
  hub_->close_stream(stream_);
  apply_put("a", "2");
  EXPECT_TRUE(take().empty());
  EXPECT_EQ(hub_->watch_count(), 0u);
}

TEST_F(WatchHubTest, RestoredCatchesEveryWatchUp) {
  hub_->create(stream_, {.key = "k"});
  take();
  // Writes the hub never heard of, as when a snapshot replaces the keyspace.
  put("k", "1");
  put("k", "2");
  hub_->restored(*kv_);
  auto got = take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(keys(got[0]), "PUT k@2 PUT k@3 ");
}

}  // namespace
}  // namespace etcd::mvcc
