// etcd 3.4's backend layout from a KvStore: revision keys and KeyValues (checked against
// the protobuf messages themselves), tombstones, compaction marks, leases, alarms,
// membership, auth; the file round trip, the image path; and, when etcdctl 3.4 is
// installed, its `snapshot status` and `snapshot restore` on the file.
#include "etcd/bolt/etcd_backend.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "etcd/bolt/bolt_test_util.h"
#include "etcd/bolt/reader.h"
#include "etcd/bolt/writer.h"
#include "etcdserverpb/rpc.pb.h"
#include "mvccpb/kv.pb.h"

namespace etcd::bolt::testing {
namespace {

namespace e = etcd34;

mvcc::KeyValue kv(std::string key, int64_t create, int64_t mod, int64_t version, std::string value,
                  int64_t lease = 0) {
  return mvcc::KeyValue{std::move(key), create, mod, version, std::move(value), lease};
}

class EtcdBackend : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open(":memory:");
    ASSERT_TRUE(db.ok());
    db_ = std::move(db).value();
    auto kv = mvcc::KvStore::open(*db_);
    ASSERT_TRUE(kv.ok());
    kv_ = std::move(kv).value();
    info_.consistent_index = 42;
  }

  // Each mutation in its own SQLite transaction, as the store's batch would hold it.
  template <typename F>
  void write(F&& f) {
    db_->exec("BEGIN");
    f(*kv_);
    db_->exec("COMMIT");
  }
  void put(const std::string& key, const std::string& value, int64_t lease = 0) {
    write([&](mvcc::KvStore& s) { ASSERT_TRUE(s.put({key, value, lease}).ok()); });
  }
  void del(const std::string& key) {
    write([&](mvcc::KvStore& s) { ASSERT_TRUE(s.delete_range({key, ""}).ok()); });
  }

  Bucket buckets() { return etcd_buckets(*kv_, *db_, info_); }
  std::string file() {
    auto f = etcd_backend(*kv_, *db_, info_);
    EXPECT_TRUE(f.ok());
    return f.ok() ? *f : std::string();
  }

  std::unique_ptr<store::Database> db_;
  std::unique_ptr<mvcc::KvStore> kv_;
  EtcdBackendInfo info_;
};

TEST(EtcdFormat, Bytes) {
  EXPECT_EQ(e::revision_key(1, 2), std::string("\0\0\0\0\0\0\0\x01_\0\0\0\0\0\0\0\x02", 17));
  EXPECT_EQ(e::revision_key(0x0102, 0, true),
            std::string("\0\0\0\0\0\0\x01\x02_\0\0\0\0\0\0\0\0t", 18));
  EXPECT_EQ(e::be64(0x1234), std::string("\0\0\0\0\0\0\x12\x34", 8));
  EXPECT_EQ(e::lease(1, 60), std::string("\x08\x01\x10\x3c"));
  EXPECT_EQ(e::id_key(0x8e9e05c52164694dULL), "8e9e05c52164694d");
  EXPECT_EQ(e::id_key(0xabc), "abc");
  EXPECT_EQ(e::key_value(kv("a", 0, 0, 0, "")),
            "\x0a\x01"
            "a");
}

TEST(EtcdFormat, KeyValueIsMvccpbs) {
  const mvcc::KeyValue value = kv(std::string("k\0\xff", 3), 5, 300, 2, std::string(200, 'v'), -7);
  mvccpb::KeyValue pb;
  pb.set_key(value.key);
  pb.set_create_revision(5);
  pb.set_mod_revision(300);
  pb.set_version(2);
  pb.set_value(value.value);
  pb.set_lease(-7);
  EXPECT_EQ(e::key_value(value), pb.SerializeAsString());
}

TEST(EtcdFormat, MemberJsonIsEncodingJsons) {
  e::Member m{0x8e9e05c52164694dULL, "a<b>&\"\n\x01", {"http://127.0.0.1:2380"}, {}, false};
  EXPECT_EQ(e::member_json(m), R"({"id":10276657743932975437,"peerURLs":["http://127.0.0.1:2380"],)"
                               R"("name":"a\u003cb\u003e\u0026\"\n\u0001"})");
  m = {2, "", {"http://a:1", "http://b:2"}, {"http://c:3"}, true};
  EXPECT_EQ(e::member_json(m), R"({"id":2,"peerURLs":["http://a:1","http://b:2"],"isLearner":true,)"
                               R"("clientURLs":["http://c:3"]})");
}

TEST_F(EtcdBackend, KeyBucketHoldsEveryRevisionAsEtcdStoresIt) {
  put("a", "1");  // 2
  put("b", "2");  // 3
  put("a", "3");  // 4
  del("a");       // 5
  write([](mvcc::KvStore& s) {
    mvcc::TxnRequest t;
    t.success = {mvcc::PutRequest{"c", "x"}, mvcc::PutRequest{"d", "y"}};
    ASSERT_TRUE(s.txn(t).ok());
  });  // 6, subs 0 and 1
  mvcc::KeyValue tombstone;
  tombstone.key = "a";
  const std::vector<std::pair<std::string, std::string>> expected = {
      {e::revision_key(2, 0), e::key_value(kv("a", 2, 2, 1, "1"))},
      {e::revision_key(3, 0), e::key_value(kv("b", 3, 3, 1, "2"))},
      {e::revision_key(4, 0), e::key_value(kv("a", 2, 4, 2, "3"))},
      {e::revision_key(5, 0, true), e::key_value(tombstone)},
      {e::revision_key(6, 0), e::key_value(kv("c", 6, 6, 1, "x"))},
      {e::revision_key(6, 1), e::key_value(kv("d", 6, 6, 1, "y"))},
  };
  const Bucket root = buckets();
  EXPECT_EQ(root.buckets.at("key").values, expected);
  mvccpb::KeyValue pb;
  ASSERT_TRUE(pb.ParseFromString(root.buckets.at("key").values[2].second));
  EXPECT_EQ(pb.key(), "a");
  EXPECT_EQ(pb.create_revision(), 2);
  EXPECT_EQ(pb.mod_revision(), 4);
  EXPECT_EQ(pb.version(), 2);
  EXPECT_EQ(pb.value(), "3");
  // Not compacted: the consistent index only.
  EXPECT_EQ(root.buckets.at("meta").values,
            (std::vector<std::pair<std::string, std::string>>{{"consistent_index", e::be64(42)}}));
}

TEST_F(EtcdBackend, CompactionKeepsWhatReadsNeedAndIsMarked) {
  for (int i = 0; i < 5; ++i)
    put("k", std::to_string(i));  // 2..6
  put("gone", "x");               // 7
  del("gone");                    // 8
  put("k", "last");               // 9
  write([](mvcc::KvStore& s) { ASSERT_TRUE(s.compact({8}).ok()); });
  const Bucket root = buckets();
  const std::vector<std::pair<std::string, std::string>> expected = {
      {e::revision_key(6, 0), e::key_value(kv("k", 2, 6, 5, "4"))},
      {e::revision_key(9, 0), e::key_value(kv("k", 2, 9, 6, "last"))},
  };
  EXPECT_EQ(root.buckets.at("key").values, expected);
  const std::vector<std::pair<std::string, std::string>> meta = {
      {"consistent_index", e::be64(42)},
      {"finishedCompactRev", e::revision_key(8, 0)},
      {"scheduledCompactRev", e::revision_key(8, 0)},
  };
  EXPECT_EQ(root.buckets.at("meta").values, meta);
}

TEST_F(EtcdBackend, LeasesAndAttachedKeys) {
  write([](mvcc::KvStore& s) {
    ASSERT_TRUE(s.lease_grant({0x1234, 60}).ok());
    ASSERT_TRUE(s.lease_grant({7, 5}).ok());
  });
  put("x", "v", 0x1234);
  const Bucket root = buckets();
  const std::vector<std::pair<std::string, std::string>> leases = {
      {e::be64(7), e::lease(7, 5)},
      {e::be64(0x1234), e::lease(0x1234, 60)},
  };
  EXPECT_EQ(root.buckets.at("lease").values, leases);
  mvccpb::KeyValue pb;
  ASSERT_TRUE(pb.ParseFromString(root.buckets.at("key").values.at(0).second));
  EXPECT_EQ(pb.lease(), 0x1234);
}

TEST_F(EtcdBackend, AlarmsMembershipAndAuth) {
  write([](mvcc::KvStore& s) {
    (void)s.alarm({mvcc::AlarmAction::kActivate, 9, mvcc::AlarmType::kNoSpace});
  });
  info_.members = {{0x10, "one", {"http://127.0.0.1:2380"}, {"http://127.0.0.1:2379"}, false},
                   {0x2, "", {"http://127.0.0.1:2381"}, {}, true}};
  info_.removed = {0xabc};
  const Bucket root = buckets();
  std::vector<std::string> names;
  for (const auto& [name, b] : root.buckets)
    names.push_back(name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"alarm", "auth", "authRoles", "authUsers", "cluster", "key",
                                      "lease", "members", "members_removed", "meta"}));
  ASSERT_EQ(root.buckets.at("alarm").values.size(), 1u);
  etcdserverpb::AlarmMember alarm;
  ASSERT_TRUE(alarm.ParseFromString(root.buckets.at("alarm").values[0].first));
  EXPECT_EQ(alarm.memberid(), 9u);
  EXPECT_EQ(alarm.alarm(), etcdserverpb::NOSPACE);
  EXPECT_EQ(root.buckets.at("alarm").values[0].second, "");

  const auto& members = root.buckets.at("members").values;
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].first, "10");
  EXPECT_EQ(members[1].first, "2");
  EXPECT_EQ(members[1].second, R"({"id":2,"peerURLs":["http://127.0.0.1:2381"],"isLearner":true})");
  EXPECT_EQ(root.buckets.at("members_removed").values,
            (std::vector<std::pair<std::string, std::string>>{{"abc", "removed"}}));
  EXPECT_EQ(root.buckets.at("cluster").values[0],
            (std::pair<std::string, std::string>{"clusterVersion", "3.4.0"}));
  EXPECT_EQ(root.buckets.at("auth").values,
            (std::vector<std::pair<std::string, std::string>>{{"authEnabled", std::string(1, '\0')},
                                                              {"authRevision", e::be64(1)}}));
  EXPECT_TRUE(root.buckets.at("authUsers") == Bucket{});
}

TEST_F(EtcdBackend, FileAndImageGiveTheSameBackend) {
  for (int i = 0; i < 3000; ++i)
    put("key/" + std::to_string(i % 700), std::string(i % 50 == 0 ? 9000 : 100, 'v'));
  const std::string bytes = file();
  auto back = read_db(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(*back == buckets());
  auto from_image = etcd_backend_from_image(db_->serialize(), info_);
  ASSERT_TRUE(from_image.ok()) << from_image.error().message;
  EXPECT_EQ(*from_image, bytes);
}

TEST_F(EtcdBackend, ImageWithoutTheV3TablesIsAnEmptyKeyspace) {
  auto plain = store::Database::open(":memory:");
  ASSERT_TRUE(plain.ok());
  (*plain)->exec("CREATE TABLE nodes (x)");
  auto bytes = etcd_backend_from_image((*plain)->serialize(), info_);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  auto back = read_db(*bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->buckets.at("key") == Bucket{});
  EXPECT_FALSE(etcd_backend_from_image("not an image", info_).ok());
}

// etcd's own tools on the file: status walks it with the real bbolt; restore rebuilds
// etcd's index from the key bucket and its lessor from the lease bucket.
TEST_F(EtcdBackend, EtcdctlStatusAndRestoreReadIt) {
  if (!have_etcdctl()) GTEST_SKIP() << kEtcdctl << " is not installed";
  write([](mvcc::KvStore& s) { ASSERT_TRUE(s.lease_grant({99, 600}).ok()); });
  for (int i = 0; i < 500; ++i)
    put("k" + std::to_string(i % 40), std::string(i % 100 == 0 ? 20000 : 10, 'x'), i % 2 ? 99 : 0);
  del("k3");
  write([](mvcc::KvStore& s) { ASSERT_TRUE(s.compact({100}).ok()); });
  info_.members = {{0x10, "one", {"http://127.0.0.1:2380"}, {"http://127.0.0.1:2379"}, false}};
  const Bucket root = buckets();
  ScratchDir dir;
  const std::string path = dir.file("s.db", file());
  CtlRun run = etcdctl("snapshot status -w json " + path);
  ASSERT_EQ(run.status, 0) << run.out;
  size_t entries = 0;
  for (const auto& [name, b] : root.buckets)
    entries += b.values.size();
  EXPECT_NE(run.out.find("\"revision\":" + std::to_string(kv_->current_revision()) + ","),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("\"totalKey\":" + std::to_string(entries) + ","), std::string::npos)
      << run.out;
  run =
      etcdctl("snapshot restore --skip-hash-check --data-dir " + dir.path("restored") + " " + path);
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(std::filesystem::exists(dir.path("restored") + "/member/snap/db"));
}

}  // namespace
}  // namespace etcd::bolt::testing
