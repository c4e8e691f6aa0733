// etcd::client against a real server: run by integration_test.py, which starts a
// 3-member etcd2 or real etcd 3.4 cluster (and TLS members) and passes their URLs:
//   ETCDCLIENT_KIND       etcd2 | etcd
//   ETCDCLIENT_ENDPOINT   the leader's client URL
//   ETCDCLIENT_MEMBERS    every member's client URL, comma-separated
//   ETCDCLIENT_DEAD       a URL nothing listens on
//   ETCDCLIENT_NEW_PEERS  two unused peer URLs for member add/update, comma-separated
//   ETCDCLIENT_TLS_ENDPOINT, ETCDCLIENT_TLS_CLIENT_AUTH_ENDPOINT, ETCDCLIENT_CA,
//   ETCDCLIENT_CERT, ETCDCLIENT_KEY   TLS members (server-only; requiring client certs)
// A test whose variables are missing is skipped. Waits poll with deadlines.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "agents/etcdclient/auth_api.h"
#include "agents/etcdclient/client.h"
#include "agents/etcdclient/keys_api.h"
#include "agents/etcdclient/members_api.h"
#include "agents/etcdclient/watcher.h"

namespace etcd::client {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(item);
  return out;
}

// A key prefix private to one test.
std::string prefix() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string("/itest/") + info->test_suite_name() + "-" + info->name();
}

class Live : public ::testing::Test {
 protected:
  void SetUp() override {
    if (env("ETCDCLIENT_ENDPOINT").empty()) GTEST_SKIP() << "no server (ETCDCLIENT_ENDPOINT)";
    Config config;
    config.endpoints = {env("ETCDCLIENT_ENDPOINT")};
    client_ = Client::create(config).value();
    keys_ = std::make_unique<KeysApi>(*client_);
    (void)keys_->remove(prefix(), {.recursive = true});
  }

  std::unique_ptr<Client> client_;
  std::unique_ptr<KeysApi> keys_;
};

TEST_F(Live, SetGetCreateUpdate) {
  const std::string k = prefix() + "/a";
  auto set = keys_->set(k, "1");
  ASSERT_TRUE(set.ok()) << set.error().to_string();
  EXPECT_EQ(set->action, "set");
  EXPECT_EQ(set->node.value, "1");
  EXPECT_EQ(set->etcd_index, set->node.modified_index);
  EXPECT_FALSE(set->cluster_id.empty());
  auto get = keys_->get(k);
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->node, set->node);
  auto dup = keys_->create(k, "2");
  ASSERT_FALSE(dup.ok());
  EXPECT_TRUE(dup.error().is(kNodeExist));
  EXPECT_EQ(dup.error().http_status, 412);
  EXPECT_EQ(dup.error().cause, k);
  auto missing = keys_->update(prefix() + "/zz", "v");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.error().is(kKeyNotFound));
  auto updated = keys_->update(k, "3");
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->action, "update");
  ASSERT_TRUE(updated->prev_node.has_value());
  EXPECT_EQ(updated->prev_node->value, "1");
  auto nowhere = keys_->get(prefix() + "/no/such/key");
  ASSERT_FALSE(nowhere.ok());
  EXPECT_EQ(nowhere.error().kind, ErrorKind::etcd);
  EXPECT_GT(nowhere.error().index, 0u);
}

TEST_F(Live, CompareAndSwapAndDelete) {
  const std::string k = prefix() + "/lock";
  auto v1 = keys_->set(k, "free");
  ASSERT_TRUE(v1.ok());
  auto wrong = keys_->compare_and_swap(k, "mine", "taken", 0);
  ASSERT_FALSE(wrong.ok());
  EXPECT_TRUE(wrong.error().is(kTestFailed));
  auto swapped = keys_->compare_and_swap(k, "mine", "free", v1->node.modified_index);
  ASSERT_TRUE(swapped.ok()) << swapped.error().to_string();
  EXPECT_EQ(swapped->action, "compareAndSwap");
  auto stale = keys_->compare_and_swap(k, "again", "", v1->node.modified_index);
  ASSERT_FALSE(stale.ok());
  EXPECT_TRUE(stale.error().is(kTestFailed));
  auto cad_wrong = keys_->compare_and_delete(k, "free", 0);
  ASSERT_FALSE(cad_wrong.ok());
  EXPECT_TRUE(cad_wrong.error().is(kTestFailed));
  auto cad = keys_->compare_and_delete(k, "mine", swapped->node.modified_index);
  ASSERT_TRUE(cad.ok()) << cad.error().to_string();
  EXPECT_EQ(cad->action, "compareAndDelete");
  EXPECT_FALSE(keys_->get(k).ok());
}

TEST_F(Live, DirectoriesRecursiveSortedQuorum) {
  const std::string d = prefix() + "/dir";
  ASSERT_TRUE(keys_->set_dir(d).ok());
  EXPECT_TRUE(keys_->set_dir(d).error().is(kNodeExist));
  for (const char* name : {"c", "a", "b"}) ASSERT_TRUE(keys_->set(d + "/" + name, name).ok());
  ASSERT_TRUE(keys_->set(d + "/sub/x", "deep").ok());
  auto listing = keys_->get(d, {.recursive = true, .sorted = true, .quorum = true});
  ASSERT_TRUE(listing.ok()) << listing.error().to_string();
  ASSERT_TRUE(listing->node.dir);
  std::vector<std::string> keys;
  for (const auto& n : listing->node.nodes) keys.push_back(n.key);
  EXPECT_EQ(keys, (std::vector<std::string>{d + "/a", d + "/b", d + "/c", d + "/sub"}));
  ASSERT_EQ(listing->node.nodes[3].nodes.size(), 1u);
  EXPECT_EQ(listing->node.nodes[3].nodes[0].value, "deep");
  EXPECT_TRUE(keys_->remove(d).error().is(kNotFile));
  EXPECT_TRUE(keys_->remove(d, {.dir = true}).error().is(kDirNotEmpty));
  ASSERT_TRUE(keys_->remove(d, {.recursive = true}).ok());
  EXPECT_TRUE(keys_->get(d).error().is(kKeyNotFound));
}

TEST_F(Live, InOrderKeys) {
  const std::string q = prefix() + "/queue";
  std::vector<std::string> created;
  for (const char* job : {"j1", "j2", "j3"}) {
    auto r = keys_->create_in_order(q, job);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->action, "create");
    EXPECT_EQ(r->node.key.size(), q.size() + 21);  // "/" + 20 digits
    created.push_back(r->node.key);
  }
  EXPECT_TRUE(std::is_sorted(created.begin(), created.end()));
  auto listing = keys_->get(q, {.sorted = true});
  ASSERT_TRUE(listing.ok());
  ASSERT_EQ(listing->node.nodes.size(), 3u);
  EXPECT_EQ(listing->node.nodes[0].value, "j1");
}

TEST_F(Live, TtlRefreshAndExpiry) {
  const std::string k = prefix() + "/lease";
  auto leased = keys_->set(k, "holder", {.ttl_s = 100});
  ASSERT_TRUE(leased.ok());
  EXPECT_TRUE(leased->node.expiration.has_value());
  EXPECT_GT(leased->node.ttl, 0);
  EXPECT_LE(leased->node.ttl, 100);
  auto refreshed = keys_->refresh(k, 500);
  ASSERT_TRUE(refreshed.ok()) << refreshed.error().to_string();
  EXPECT_EQ(refreshed->node.value, "holder");
  EXPECT_GT(refreshed->node.ttl, 100);
  EXPECT_TRUE(keys_->refresh(prefix() + "/gone", 5).error().is(kKeyNotFound));
  // A 1 s key expires: the watcher sees the expire event (the leader's SYNC).
  auto short_lived = keys_->set(prefix() + "/short", "x", {.ttl_s = 1});
  ASSERT_TRUE(short_lived.ok());
  Watcher watcher(*client_, prefix() + "/short", {.after_index = short_lived->node.modified_index});
  auto event = watcher.next(15000);
  ASSERT_TRUE(event.ok()) << event.error().to_string();
  EXPECT_EQ(event->response.action, "expire");
  ASSERT_TRUE(event->response.prev_node.has_value());
  EXPECT_EQ(event->response.prev_node->value, "x");
}

TEST_F(Live, WatcherDeliversEveryEventInOrder) {
  const std::string k = prefix() + "/w";
  auto first = keys_->set(k, "0");
  ASSERT_TRUE(first.ok());
  for (const char* v : {"1", "2", "3"}) ASSERT_TRUE(keys_->set(k, v).ok());
  Watcher watcher(*client_, k, {.after_index = first->node.modified_index});
  for (const char* v : {"1", "2", "3"}) {
    auto e = watcher.next(5000);
    ASSERT_TRUE(e.ok()) << e.error().to_string();
    EXPECT_FALSE(e->resync);
    EXPECT_EQ(e->response.node.value, v);
  }
  auto quiet = watcher.next(300);
  ASSERT_FALSE(quiet.ok());
  EXPECT_EQ(quiet.error().kind, ErrorKind::timeout);
  std::thread writer([&] {
    Config config;
    config.endpoints = {env("ETCDCLIENT_ENDPOINT")};
    auto other = Client::create(config).value();
    (void)KeysApi(*other).set(k, "live");
  });
  auto live = watcher.next(10000);
  writer.join();
  ASSERT_TRUE(live.ok()) << live.error().to_string();
  EXPECT_EQ(live->response.node.value, "live");
}

TEST_F(Live, RecursiveWatchSeesChildren) {
  const std::string d = prefix() + "/tree";
  auto start = keys_->set(d + "/a", "1");
  ASSERT_TRUE(start.ok());
  ASSERT_TRUE(keys_->set(d + "/b/c", "2").ok());
  ASSERT_TRUE(keys_->remove(d + "/a").ok());
  Watcher watcher(*client_, d, {.after_index = start->node.modified_index, .recursive = true});
  auto e1 = watcher.next(5000);
  ASSERT_TRUE(e1.ok());
  EXPECT_EQ(e1->response.node.key, d + "/b/c");
  auto e2 = watcher.next(5000);
  ASSERT_TRUE(e2.ok());
  EXPECT_EQ(e2->response.action, "delete");
  EXPECT_EQ(e2->response.node.key, d + "/a");
}

TEST_F(Live, WatcherRecoversFromAClearedIndex) {
  const std::string k = prefix() + "/watched";
  auto start = keys_->set(k, "before");
  ASSERT_TRUE(start.ok());
  for (int i = 0; i < 1010; ++i) ASSERT_TRUE(keys_->set(prefix() + "/noise", std::to_string(i)).ok());
  ASSERT_TRUE(keys_->set(k, "after").ok());
  Watcher watcher(*client_, k, {.after_index = start->node.modified_index});
  auto resync = watcher.next(5000);
  ASSERT_TRUE(resync.ok()) << resync.error().to_string();
  EXPECT_TRUE(resync->resync);
  EXPECT_TRUE(resync->key_exists);
  EXPECT_EQ(resync->response.node.value, "after");
  ASSERT_TRUE(keys_->set(k, "next").ok());
  auto next = watcher.next(5000);
  ASSERT_TRUE(next.ok()) << next.error().to_string();
  EXPECT_FALSE(next->resync);
  EXPECT_EQ(next->response.node.value, "next");
}

TEST_F(Live, FailsOverPastADeadEndpoint) {
  Config config;
  config.endpoints = {env("ETCDCLIENT_DEAD"), env("ETCDCLIENT_ENDPOINT")};
  auto client = Client::create(config).value();
  auto r = KeysApi(*client).set(prefix() + "/failover", "ok");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  config.endpoints = {env("ETCDCLIENT_DEAD")};
  auto dead = Client::create(config).value();
  auto down = KeysApi(*dead).get("/");
  ASSERT_FALSE(down.ok());
  EXPECT_TRUE(down.error().is_connection_error());
}

TEST_F(Live, MembersHealthVersionSync) {
  MembersApi members(*client_);
  auto list = members.list();
  ASSERT_TRUE(list.ok()) << list.error().to_string();
  const auto urls = split(env("ETCDCLIENT_MEMBERS"));
  EXPECT_EQ(list->size(), urls.size());
  auto leader = members.leader();
  ASSERT_TRUE(leader.ok()) << leader.error().to_string();
  EXPECT_TRUE(std::any_of(list->begin(), list->end(),
                          [&](const Member& m) { return m.id == leader->id; }));
  EXPECT_TRUE(client_->health().value());
  auto version = client_->version();
  ASSERT_TRUE(version.ok());
  EXPECT_FALSE(version->server.empty());
  ASSERT_TRUE(client_->sync().ok());
  auto synced = client_->endpoint_urls();
  std::sort(synced.begin(), synced.end());
  auto expected = urls;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(synced, expected);
}

// The real etcd refuses a member add (500) until every peer has been connected ~5 s.
Result<Member> add_when_allowed(MembersApi& members, const std::string& peer) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (true) {
    auto added = members.add({peer});
    if (added.ok() || added.error().kind != ErrorKind::transport ||
        std::chrono::steady_clock::now() > deadline) {
      return added;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // poll interval
  }
}

TEST_F(Live, AddUpdateRemoveMember) {
  const auto peers = split(env("ETCDCLIENT_NEW_PEERS"));
  ASSERT_EQ(peers.size(), 2u);
  MembersApi members(*client_);
  auto added = add_when_allowed(members, peers[0]);
  ASSERT_TRUE(added.ok()) << added.error().to_string();
  EXPECT_FALSE(added->id.empty());
  EXPECT_EQ(added->peer_urls, std::vector<std::string>{peers[0]});
  auto conflict = members.add({peers[0]});
  ASSERT_FALSE(conflict.ok());
  auto updated = members.update(added->id, {peers[1]});
  ASSERT_TRUE(updated.ok()) << updated.error().to_string();
  auto list = members.list().value();
  auto it = std::find_if(list.begin(), list.end(), [&](const Member& m) { return m.id == added->id; });
  ASSERT_NE(it, list.end());
  EXPECT_EQ(it->peer_urls, std::vector<std::string>{peers[1]});
  EXPECT_TRUE(it->name.empty());
  ASSERT_TRUE(members.remove(added->id).ok());
  list = members.list().value();
  EXPECT_TRUE(std::none_of(list.begin(), list.end(), [&](const Member& m) { return m.id == added->id; }));
  EXPECT_FALSE(members.add({"ftp://h:1"}).ok());
}

TEST_F(Live, BasicAuthOnTheRealEtcd) {
  if (env("ETCDCLIENT_KIND") != "etcd") GTEST_SKIP() << "etcd2 has no v2 auth API";
  AuthApi auth(*client_);
  ASSERT_TRUE(auth.add_user("root", "rootpw").ok());
  ASSERT_TRUE(auth.enable().ok());
  Config config;
  config.endpoints = {env("ETCDCLIENT_ENDPOINT")};
  config.username = "root";
  config.password = "rootpw";
  auto root = Client::create(config).value();
  config.password = "wrong";
  auto intruder = Client::create(config).value();
  auto denied = KeysApi(*intruder).set(prefix() + "/secret", "x");
  auto allowed = KeysApi(*root).set(prefix() + "/secret", "x");
  AuthApi root_auth(*root);
  ASSERT_TRUE(root_auth.disable().ok());
  ASSERT_TRUE(root_auth.remove_user("root").ok());
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().http_status, 401);
  ASSERT_TRUE(allowed.ok()) << allowed.error().to_string();
}

class Tls : public ::testing::Test {
 protected:
  Config tls_config(const char* endpoint_var) {
    Config config;
    config.endpoints = {env(endpoint_var)};
    config.ca_file = env("ETCDCLIENT_CA");
    return config;
  }
};

TEST_F(Tls, CaOnlyVerifiesTheServer) {
  if (env("ETCDCLIENT_TLS_ENDPOINT").empty()) GTEST_SKIP() << "no TLS member";
  auto client = Client::create(tls_config("ETCDCLIENT_TLS_ENDPOINT")).value();
  auto r = KeysApi(*client).set("/tls/ca-only", "ok");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  Config unverified;
  unverified.endpoints = {env("ETCDCLIENT_TLS_ENDPOINT")};
  auto untrusting = Client::create(unverified).value();
  auto refused = KeysApi(*untrusting).get("/tls/ca-only");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::transport);
}

TEST_F(Tls, ClientCertificate) {
  if (env("ETCDCLIENT_TLS_CLIENT_AUTH_ENDPOINT").empty()) GTEST_SKIP() << "no client-auth member";
  Config config = tls_config("ETCDCLIENT_TLS_CLIENT_AUTH_ENDPOINT");
  auto anonymous = Client::create(config).value();
  EXPECT_FALSE(KeysApi(*anonymous).get("/").ok());
  config.cert_file = env("ETCDCLIENT_CERT");
  config.key_file = env("ETCDCLIENT_KEY");
  auto client = Client::create(config).value();
  auto r = KeysApi(*client).set("/tls/cert", "ok");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
}

}  // namespace
}  // namespace etcd::client
