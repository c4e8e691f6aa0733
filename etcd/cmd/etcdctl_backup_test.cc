// backup on a hand-built etcd2 data dir, then the real bootstrap restart path with
// --force-new-cluster on the copy: the restored member must be the new ID, a voter, and
// the other member must be removed by the appended conf change.
#include "etcd/cmd/etcdctl_backup.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "etcd/raft/codec.h"
#include "etcd/server/bootstrap.h"
#include "etcd/server/payload.h"
#include "etcd/server/persisted_state.h"
#include "etcd/wal/data_dir.h"
#include "etcd/wal/wal.h"

namespace etcd::cmd::ctl {
namespace {

constexpr uint64_t kOldCluster = 9;
constexpr uint64_t kNewMember = 0xaaa;
constexpr uint64_t kNewCluster = 0xbbb;

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/etcdctl-backup-XXXXXX";
    root_ = ::mkdtemp(pattern);
    make_source(root_ + "/src");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // Member 1 (this data dir) and member 2; the db applied index 5 with one key; the WAL
  // holds entries 1..7, committed up to 6 (a publish by member 1), 7 uncommitted.
  static void make_source(const std::string& dir) {
    const auto layout = wal::DataDir::layout(dir);
    ASSERT_TRUE(layout.create().ok());
    auto store = store::Store::open(layout.db_path).value();
    server::Membership ms(kOldCluster);
    ASSERT_TRUE(ms.add({NodeId{1}, "m1", {"http://127.0.0.1:1001"}, {"http://127.0.0.1:1000"}}).ok());
    ASSERT_TRUE(ms.add({NodeId{2}, "m2", {"http://127.0.0.1:2001"}, {"http://127.0.0.1:2000"}}).ok());
    store->begin_batch();
    store::Request set{.method = store::Method::put, .path = "/k", .value = "v", .time_ns = 1};
    ASSERT_TRUE(store->apply(set, Index{4}).ok());
    server::save_membership(*store, ms, raft::ConfState{{NodeId{1}, NodeId{2}}, {}});
    store->commit_batch(Index{5});
    store->make_durable();
    auto wal = wal::Wal::create(layout.wal_dir, {NodeId{1}, kOldCluster}, {}).value();
    std::vector<raft::Entry> entries;
    for (uint64_t i = 1; i <= 7; ++i) entries.push_back({Term{2}, Index{i}});
    entries[5].data = server::encode_payload(server::PublishAttributes{7, NodeId{1}, "m1", {}});
    ASSERT_TRUE(wal->save({Term{2}, NodeId{1}, Index{6}}, entries, true).ok());
  }

  std::string root_;
};

TEST_F(BackupTest, CopyHasANewIdentityAndRestoresWithForceNewCluster) {
  BackupOptions options{root_ + "/src", "", root_ + "/copy", "", kNewMember, kNewCluster};
  auto report = backup_data_dir(options);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->applied_index, Index{5});
  EXPECT_EQ(report->applied_term, Term{2});
  EXPECT_EQ(report->tail_entries, 2u);
  EXPECT_EQ(report->old_member_id, NodeId{1});

  const auto copy = wal::DataDir::layout(root_ + "/copy");
  {
    auto opened = wal::Wal::open(copy.wal_dir, Index{5}, {});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    const auto& recovered = opened->second;
    EXPECT_EQ(recovered.identity, (wal::Identity{NodeId{kNewMember}, kNewCluster}));
    ASSERT_EQ(recovered.entries.size(), 2u);
    auto publish = server::decode_payload(recovered.entries[0].data).value();
    EXPECT_EQ(std::get<server::PublishAttributes>(publish).member_id, NodeId{kNewMember});
    EXPECT_EQ(recovered.hard_state.vote, NodeId{kNewMember});
  }

  server::BootstrapConfig config;
  config.name = "m1";
  config.data_dir = root_ + "/copy";
  config.force_new_cluster = true;
  auto restored = server::bootstrap(config, [](const std::vector<std::string>&) {
    return Result<server::Membership>(Error{"no fetch on restart"});
  });
  ASSERT_TRUE(restored.ok()) << restored.error().message;
  EXPECT_EQ(restored->how, "restart");
  EXPECT_EQ(restored->id, NodeId{kNewMember});
  EXPECT_EQ(restored->cluster_id, kNewCluster);
  const auto& disk = restored->disk;
  ASSERT_NE(disk.membership.find(NodeId{kNewMember}), nullptr);
  EXPECT_EQ(disk.membership.find(NodeId{kNewMember})->name, "m1");
  EXPECT_EQ(disk.membership.find(NodeId{1}), nullptr);
  EXPECT_EQ(disk.conf_state.voters, (std::vector<NodeId>{NodeId{2}, NodeId{kNewMember}}));
  EXPECT_EQ(disk.store->applied_index(), Index{5});
  // --force-new-cluster dropped uncommitted entry 7 and committed "remove member 2" at 7.
  auto last = disk.storage->entries(Index{7}, Index{8}, UINT64_MAX);
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->size(), 1u);
  auto cc = raft::decode_conf_change((*last)[0].data);
  ASSERT_TRUE(cc.ok());
  EXPECT_EQ(cc->type, raft::ConfChangeType::remove_node);
  EXPECT_EQ(cc->node_id, NodeId{2});
}

TEST_F(BackupTest, RefusesADestinationWithAWal) {
  BackupOptions options{root_ + "/src", "", root_ + "/src", "", kNewMember, kNewCluster};
  auto report = backup_data_dir(options);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("already holds a WAL"), std::string::npos);
}

TEST_F(BackupTest, MissingSourceIsAnError) {
  BackupOptions options{root_ + "/nothing", "", root_ + "/copy2", "", 0, 0};
  EXPECT_FALSE(backup_data_dir(options).ok());
}

}  // namespace
}  // namespace etcd::cmd::ctl
