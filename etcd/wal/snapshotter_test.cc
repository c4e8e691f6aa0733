#include "etcd/wal/snapshotter.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "etcd/wal/file_io.h"
#include "etcd/wal/test_util.h"

namespace etcd::wal {
namespace {

using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

raft::Snapshot snapshot_at(uint64_t index, uint64_t term, size_t data_bytes = 1000) {
  return raft::Snapshot{{Index{index}, Term{term}, {{NodeId{1}, NodeId{2}}, {NodeId{3}}}},
                        testing::entry_data(index, term, data_bytes)};
}

class SnapshotterTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(make_dirs(tmp_.sub("snap")).ok()); }
  TempDir tmp_;
  Snapshotter snap_{tmp_.sub("snap")};
};

TEST_F(SnapshotterTest, SavesUnderTermIndexNamesAndLoadsTheNewest) {
  ASSERT_TRUE(snap_.save(snapshot_at(100, 2)).ok());
  ASSERT_TRUE(snap_.save(snapshot_at(250, 3)).ok());
  ASSERT_TRUE(snap_.save(snapshot_at(180, 3)).ok());
  EXPECT_EQ(testing::files_in(snap_.dir()),
            (std::vector<std::string>{"0000000000000002-0000000000000064.snap",
                                      "0000000000000003-00000000000000b4.snap",
                                      "0000000000000003-00000000000000fa.snap"}));
  auto newest = snap_.load_newest();
  ASSERT_TRUE(newest.ok());
  ASSERT_TRUE(*newest);
  EXPECT_EQ(**newest, snapshot_at(250, 3));
}

TEST_F(SnapshotterTest, NoSnapshotIsNotAnError) {
  auto newest = snap_.load_newest();
  ASSERT_TRUE(newest.ok());
  EXPECT_FALSE(*newest);
  Snapshotter missing(tmp_.sub("no/such/dir"));
  ASSERT_TRUE(missing.load_newest().ok());
  EXPECT_FALSE(*missing.load_newest());
  EXPECT_EQ(*missing.purge(1), 0u);
  ASSERT_TRUE(missing.save(snapshot_at(5, 1)).ok()) << "save creates the directory";
  EXPECT_EQ(**missing.load_newest(), snapshot_at(5, 1));
}

TEST_F(SnapshotterTest, FallsBackToTheNextOlderWhenTheNewestIsCorrupt) {
  ASSERT_TRUE(snap_.save(snapshot_at(100, 2)).ok());
  ASSERT_TRUE(snap_.save(snapshot_at(200, 2)).ok());
  ASSERT_TRUE(snap_.save(snapshot_at(300, 2)).ok());
  const std::string newest = snap_.dir() + "/" + Snapshotter::file_name(Term{2}, Index{300});
  const std::string middle = snap_.dir() + "/" + Snapshotter::file_name(Term{2}, Index{200});
  std::string bytes = read_bytes(newest);
  bytes[bytes.size() / 2] ^= 0x01;
  write_bytes(newest, bytes);
  write_bytes(middle, read_bytes(middle).substr(0, 50));  // truncated
  testing::LogCapture log;
  auto loaded = snap_.load_newest();
  ASSERT_TRUE(loaded.ok());
  ASSERT_TRUE(*loaded);
  EXPECT_EQ(**loaded, snapshot_at(100, 2));
  EXPECT_NE(log.text().find("snapshot checksum mismatch"), std::string::npos) << log.text();
  EXPECT_EQ(testing::files_in(snap_.dir()),
            (std::vector<std::string>{"0000000000000002-0000000000000064.snap",
                                      "0000000000000002-00000000000000c8.snap.broken",
                                      "0000000000000002-000000000000012c.snap.broken"}));
}

TEST_F(SnapshotterTest, PurgeKeepsTheNewestAndRemovesStrayTempFiles) {
  for (uint64_t i = 1; i <= 7; ++i)
    ASSERT_TRUE(snap_.save(snapshot_at(i * 10, 1, 10)).ok());
  write_bytes(snap_.dir() + "/0000000000000001-0000000000000063.snap.tmp", "partial");
  EXPECT_EQ(*snap_.purge(0), 0u);
  EXPECT_EQ(testing::files_in(snap_.dir()).size(), 7u) << "0 keeps every .snap, drops .tmp";
  EXPECT_EQ(*snap_.purge(5), 2u);
  auto left = snap_.list();
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 5u);
  EXPECT_EQ(left->front(), Snapshotter::file_name(Term{1}, Index{30}));
  EXPECT_EQ(testing::files_in(snap_.dir()).size(), 5u);
}

TEST_F(SnapshotterTest, UnfinishedSaveIsNeverLoaded) {
  ASSERT_TRUE(snap_.save(snapshot_at(10, 1)).ok());
  write_bytes(snap_.dir() + "/" + Snapshotter::file_name(Term{1}, Index{20}) + ".tmp",
              Snapshotter::encode(snapshot_at(20, 1)));
  EXPECT_EQ(**snap_.load_newest(), snapshot_at(10, 1));
}

TEST_F(SnapshotterTest, SavedFilesAreOwnerOnly) {
  ASSERT_TRUE(snap_.save(snapshot_at(10, 1)).ok());
  struct stat st {};
  ASSERT_EQ(::stat((snap_.dir() + "/" + Snapshotter::file_name(Term{1}, Index{10})).c_str(), &st),
            0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
}

TEST(SnapshotFormat, RejectsEveryTruncationAndTrailingBytes) {
  const std::string bytes = Snapshotter::encode(snapshot_at(5, 1, 64));
  ASSERT_TRUE(Snapshotter::decode(bytes).ok());
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(Snapshotter::decode(bytes.substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE(Snapshotter::decode(bytes + "x").ok());
}

}  // namespace
}  // namespace etcd::wal
