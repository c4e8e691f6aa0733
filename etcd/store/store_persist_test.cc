// Durability and snapshots: batch atomicity, indexes and stats across reopen, the history
// across reopen, save/restore of the whole database, refusal of foreign files.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "etcd/store/store_test_util.h"

namespace etcd::store::testing {
namespace {

class StorePersist : public ::testing::Test {
 protected:
  void SetUp() override { path_ = temp_dir() + "/db"; }
  void TearDown() override {
    std::filesystem::remove_all(std::filesystem::path(path_).parent_path());
  }

  std::unique_ptr<Store> reopen() {
    auto store = Store::open(path_);
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
    return std::move(store).value();
  }
  static void apply_batch(Store& store, const std::vector<Request>& requests, uint64_t& raft,
                          bool commit = true) {
    store.begin_batch();
    for (const Request& r : requests)
      EXPECT_TRUE(store.apply(r, Index(++raft)).ok()) << r.path;
    if (commit) store.commit_batch(Index(raft));
  }

  std::string path_;
  uint64_t raft_ = 0;
};

TEST_F(StorePersist, NewStoreStartsAtZero) {
  auto store = reopen();
  EXPECT_EQ(store->index(), idx(0));
  EXPECT_EQ(store->applied_index(), Index(0));
  EXPECT_TRUE(store->get("/", false, false, kNow).ok());
}

TEST_F(StorePersist, CommittedBatchesSurviveReopenAndUncommittedOnesDoNot) {
  {
    auto store = reopen();
    apply_batch(*store, {put("/a", "1"), put("/b/c", "2")}, raft_);
    apply_batch(*store, {put("/lost", "x"), put("/a", "lost")}, raft_, /*commit=*/false);
    EXPECT_TRUE(store->get("/lost", false, false, kNow).ok());  // visible inside the batch
  }
  auto store = reopen();
  EXPECT_EQ(store->applied_index(), Index(2));
  EXPECT_EQ(store->index(), idx(2));
  EXPECT_FALSE(store->get("/lost", false, false, kNow).ok());
  EXPECT_EQ(store->get("/a", false, false, kNow)->node.value, "1");
  EXPECT_EQ(store->get("/b/c", false, false, kNow)->node.value, "2");
  // The server replays from applied_index() + 1.
  raft_ = 2;
  apply_batch(*store, {put("/lost", "x")}, raft_);
  EXPECT_EQ(store->index(), idx(3));
}

TEST_F(StorePersist, AppliedIndexMayRunAheadOfTheLastStoreRequest) {
  {
    auto store = reopen();
    store->begin_batch();
    ASSERT_TRUE(store->apply(put("/a", "1"), Index(5)).ok());
    store->commit_batch(Index(9));  // entries 6..9 were not v2 requests
    store->begin_batch();
    store->commit_batch(Index(12));  // an empty batch still records progress
  }
  auto store = reopen();
  EXPECT_EQ(store->applied_index(), Index(12));
  EXPECT_EQ(store->index(), idx(1));
}

TEST_F(StorePersist, StatsHistoryAndTtlsSurviveReopen) {
  {
    auto store = reopen();
    apply_batch(*store, {put("/a", "1"), with_ttl(put("/t", "x"), 1), put("/a", "2")}, raft_);
    EXPECT_FALSE(store->get("/nope", false, false, kNow).ok());
    store->begin_batch();  // gets are counted in memory and saved with the next batch
    store->commit_batch(Index(raft_));
  }
  auto store = reopen();
  Stats s = store->stats();
  EXPECT_EQ(s.sets_success, 3u);
  EXPECT_EQ(s.gets_fail, 1u);
  auto w = store->watch("/a", false, false, idx(1));
  ASSERT_TRUE(w.ok());
  auto events = (*w)->take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]->node.value, "1");
  store->begin_batch();
  auto expired = store->expire(kNow + 2 * kSecond, Index(++raft_));
  store->commit_batch(Index(raft_));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].node.key, "/t");
}

TEST_F(StorePersist, FileDatabaseUsesWriteAheadLogging) {
  auto store = reopen();
  apply_batch(*store, {put("/a", "1")}, raft_);
  EXPECT_TRUE(std::filesystem::exists(path_ + "-wal"));
}

TEST_F(StorePersist, SnapshotRoundTripsEverything) {
  auto source = reopen();
  apply_batch(*source, {put("/a", "1"), put("/d/_h", "2"), with_ttl(put("/t", "3"), 5)}, raft_);
  apply_batch(*source, {put("/a", "4")}, raft_);
  EXPECT_FALSE(source->get("/nope", false, false, kNow).ok());
  std::string image = source->save_snapshot();

  auto target = open_memory();
  uint64_t other_raft = 0;
  apply_batch(*target, {put("/old", "gone")}, other_raft);
  auto watcher = target->watch("/a", false, true, idx(0));
  ASSERT_TRUE(watcher.ok());
  ASSERT_TRUE(target->restore_snapshot(image).ok());
  EXPECT_EQ(target->index(), idx(4));
  EXPECT_EQ(target->applied_index(), Index(4));
  EXPECT_FALSE(target->get("/old", false, false, kNow).ok());
  auto root = target->get("/", true, false, kNow);
  auto original = source->get("/", true, false, kNow);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->node, original->node);
  EXPECT_EQ(target->get("/d/_h", false, false, kNow)->node.value, "2");
  EXPECT_EQ(target->stats().sets_success, 4u);
  // History came along; watchers stayed registered and see later writes.
  EXPECT_TRUE(target->watch("/a", false, false, idx(1)).ok());
  uint64_t raft = 4;
  apply_batch(*target, {put("/a", "5")}, raft);
  EXPECT_EQ((*watcher)->take_events().size(), 1u);
  EXPECT_EQ(target->index(), idx(5));
}

TEST_F(StorePersist, SnapshotRestoresIntoAFileDatabaseDurably) {
  auto source = open_memory();
  uint64_t raft = 0;
  apply_batch(*source, {put("/x", "1"), mkdir("/y")}, raft);
  std::string image = source->save_snapshot();
  {
    auto target = reopen();
    apply_batch(*target, {put("/before", "1")}, raft_);
    ASSERT_TRUE(target->restore_snapshot(image).ok());
    // A file image (WAL mode) restores into memory as well.
    auto copy = open_memory();
    ASSERT_TRUE(copy->restore_snapshot(target->save_snapshot()).ok());
    EXPECT_EQ(copy->get("/x", false, false, kNow)->node.value, "1");
  }
  auto reopened = reopen();
  EXPECT_EQ(reopened->get("/x", false, false, kNow)->node.value, "1");
  EXPECT_FALSE(reopened->get("/before", false, false, kNow).ok());
  EXPECT_EQ(reopened->applied_index(), Index(2));
}

TEST_F(StorePersist, RestoreRejectsBadImagesAndChangesNothing) {
  auto store = open_memory();
  uint64_t raft = 0;
  apply_batch(*store, {put("/keep", "1")}, raft);
  std::string good = store->save_snapshot();
  std::string truncated = good.substr(0, good.size() / 2);
  std::string garbage(4096, 'x');
  std::string corrupt = good;
  for (size_t i = 100; i < corrupt.size(); i += 7)
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);

  sqlite3* foreign = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &foreign), SQLITE_OK);
  sqlite3_exec(foreign, "CREATE TABLE other (x); INSERT INTO other VALUES (1);", nullptr, nullptr,
               nullptr);
  sqlite3_int64 size = 0;
  unsigned char* data = sqlite3_serialize(foreign, "main", &size, 0);
  std::string foreign_image(reinterpret_cast<char*>(data), static_cast<size_t>(size));
  sqlite3_free(data);
  sqlite3_close(foreign);

  for (const std::string& bad : {std::string(), truncated, garbage, corrupt, foreign_image}) {
    EXPECT_FALSE(store->restore_snapshot(bad).ok());
  }
  EXPECT_EQ(store->get("/keep", false, false, kNow)->node.value, "1");
  EXPECT_EQ(store->index(), idx(1));
}

TEST_F(StorePersist, ServerMetaIsTransactionalAndTravelsWithSnapshots) {
  {
    auto store = reopen();
    EXPECT_FALSE(store->meta("server/membership"));
    store->begin_batch();
    store->put_meta("server/membership", std::string("m\0v1", 4));
    store->commit_batch(Index(1));
    store->begin_batch();
    store->put_meta("server/membership", "lost");
  }
  auto store = reopen();
  EXPECT_EQ(store->meta("server/membership"), std::string("m\0v1", 4));
  store->make_durable();
  auto copy = open_memory();
  ASSERT_TRUE(copy->restore_snapshot(store->save_snapshot()).ok());
  EXPECT_EQ(copy->meta("server/membership"), std::string("m\0v1", 4));
  EXPECT_FALSE(copy->get("/server", false, false, kNow).ok());  // not in the keyspace
}

TEST_F(StorePersist, HasTtlKeysFollowsTheKeyspace) {
  auto store = reopen();
  EXPECT_FALSE(store->has_ttl_keys());
  apply_batch(*store, {put("/a", "1"), with_ttl(put("/t", "1"), 1)}, raft_);
  EXPECT_TRUE(store->has_ttl_keys());
  store->begin_batch();
  (void)store->expire(kNow + 2 * kSecond, Index(++raft_));
  store->commit_batch(Index(raft_));
  EXPECT_FALSE(store->has_ttl_keys());
}

// What another connection (or this process after a crash) finds in the file.
int64_t applied_index_on_disk(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE name = CAST('applied_index' AS BLOB)", -1,
                               &stmt, nullptr),
            SQLITE_OK);
  const int64_t value = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

TEST_F(StorePersist, DeferredBatchesReachTheFileOnlyWhenFlushed) {
  auto store = reopen();
  store->defer_commits(true);
  apply_batch(*store, {put("/a", "1")}, raft_);
  store->flush();
  EXPECT_EQ(applied_index_on_disk(path_), 1);
  apply_batch(*store, {put("/b", "2")}, raft_);
  apply_batch(*store, {put("/c", "3")}, raft_);
  EXPECT_EQ(store->unflushed_batches(), 2u);
  // This connection sees every ended batch; the file (what a crash leaves) does not yet.
  EXPECT_EQ(store->applied_index(), Index(3));
  EXPECT_TRUE(store->get("/c", false, false, kNow).ok());
  EXPECT_EQ(applied_index_on_disk(path_), 1);
  EXPECT_EQ(store->flushed_index(), Index(1));
  store->flush();
  EXPECT_EQ(store->unflushed_batches(), 0u);
  EXPECT_EQ(store->flushed_index(), Index(3));
  EXPECT_EQ(applied_index_on_disk(path_), 3);
}

TEST_F(StorePersist, SnapshotsAndCleanCloseFlushDeferredBatches) {
  {
    auto store = reopen();
    store->defer_commits(true);
    apply_batch(*store, {put("/a", "1")}, raft_);
    const std::string image = store->save_snapshot();  // must include /a
    EXPECT_EQ(applied_index_on_disk(path_), 1);
    auto copy = Store::open(":memory:");
    ASSERT_TRUE(copy.ok());
    ASSERT_TRUE((*copy)->restore_snapshot(image).ok());
    EXPECT_TRUE((*copy)->get("/a", false, false, kNow).ok());
    apply_batch(*store, {put("/b", "2")}, raft_);
  }
  auto store = reopen();
  EXPECT_EQ(store->applied_index(), Index(2));
  EXPECT_TRUE(store->get("/b", false, false, kNow).ok());
}

TEST_F(StorePersist, ADetachedCheckpointerCopiesTheWalAndAFullCheckpointRestartsIt) {
  auto memory = Store::open(":memory:");
  ASSERT_TRUE(memory.ok());
  auto none = (*memory)->detach_checkpoints();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr) << "an in-memory store has no WAL";

  auto store = reopen();
  auto checkpointer = store->detach_checkpoints();
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.error().message;
  ASSERT_NE(*checkpointer, nullptr);
  const std::string value(3000, 'v');  // about a page per key
  for (int batch = 0; batch < 20; ++batch) {
    std::vector<Request> requests;
    for (int k = 0; k < 10; ++k) requests.push_back(put("/k/" + std::to_string(batch * 10 + k), value));
    apply_batch(*store, requests, raft_);
  }
  const int grown = store->wal_frames();
  EXPECT_GT(grown, 150) << "commits no longer checkpoint by themselves";
  ASSERT_TRUE((*checkpointer)->checkpoint().ok());
  EXPECT_EQ(applied_index_on_disk(path_), static_cast<int64_t>(raft_));
  store->make_durable();
  apply_batch(*store, {put("/after", "1")}, raft_);
  EXPECT_LT(store->wal_frames(), 10) << "the WAL starts over after a FULL checkpoint";
  EXPECT_EQ(applied_index_on_disk(path_), static_cast<int64_t>(raft_));
}

TEST_F(StorePersist, OpenRefusesAFileThatIsNotAStore) {
  {
    std::ofstream out(path_);
    out << std::string(8192, 'x');
  }
  EXPECT_FALSE(Store::open(path_).ok());
  std::string other = path_ + "-other";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(other.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE meta (x)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_FALSE(Store::open(other).ok());
}

}  // namespace
}  // namespace etcd::store::testing
