#include "etcd/wal/data_dir.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "etcd/wal/test_util.h"
#include "etcd/wal/wal.h"

namespace etcd::wal {
namespace {

unsigned mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

TEST(DataDir, LaysOutTheMemberDirectoryLikeEtcd) {
  const DataDir d = DataDir::layout("/var/lib/etcd2");
  EXPECT_EQ(d.member_dir, "/var/lib/etcd2/member");
  EXPECT_EQ(d.wal_dir, "/var/lib/etcd2/member/wal");
  EXPECT_EQ(d.snap_dir, "/var/lib/etcd2/member/snap");
  EXPECT_EQ(d.db_path, "/var/lib/etcd2/member/db");
  EXPECT_EQ(DataDir::layout("/data", "/fast/wal").wal_dir, "/fast/wal");
}

TEST(DataDir, CreatesOwnerOnlyDirectoriesAndTellsFreshFromExisting) {
  testing::TempDir tmp;
  const DataDir d = DataDir::layout(tmp.sub("default.etcd"), tmp.sub("ssd/wal"));
  EXPECT_EQ(d.state(), DataDirState::fresh);
  ASSERT_TRUE(d.create().ok());
  ASSERT_TRUE(d.create().ok()) << "idempotent";
  for (const std::string& dir : {d.member_dir, d.snap_dir, d.wal_dir, tmp.sub("ssd")}) {
    EXPECT_EQ(mode_of(dir), 0700u) << dir;
  }
  EXPECT_EQ(d.state(), DataDirState::fresh) << "directories alone are not a member";
  ASSERT_TRUE(Wal::create(d.wal_dir, {NodeId{1}, 1}, Options{}).ok());
  EXPECT_EQ(d.state(), DataDirState::existing);
}

TEST(DataDir, RefusesAFileWhereADirectoryBelongs) {
  testing::TempDir tmp;
  testing::write_bytes(tmp.sub("member"), "not a directory");
  const Result<void> made = DataDir::layout(tmp.path()).create();
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.error().message.find("not a directory"), std::string::npos);
}

TEST(DataDir, WarnsAboutADataDirOthersCanRead) {
  testing::TempDir tmp;
  const DataDir d = DataDir::layout(tmp.path());
  ASSERT_EQ(::mkdir(d.member_dir.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(d.member_dir.c_str(), 0755), 0);
  testing::LogCapture log;
  ASSERT_TRUE(d.create().ok());
  EXPECT_NE(log.text().find("has permissions 755"), std::string::npos) << log.text();
}

}  // namespace
}  // namespace etcd::wal
