// Client failover, timeouts and Watcher recovery against scripted fake servers.
#include "agents/etcdclient/client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "agents/etcdclient/fake_http_server.h"
#include "agents/etcdclient/keys_api.h"
#include "agents/etcdclient/watcher.h"

namespace etcd::client {
namespace {

using testing::FakeHttpServer;
using testing::FakeReply;
using testing::SeenRequest;

FakeReply keys_reply(const std::string& action, const std::string& key, uint64_t index) {
  FakeReply r;
  r.body = R"({"action":")" + action + R"(","node":{"key":")" + key + R"(","value":"v",)" +
           R"("modifiedIndex":)" + std::to_string(index) + R"(,"createdIndex":1}})";
  r.headers = {{"X-Etcd-Index", std::to_string(index)}};
  return r;
}

std::unique_ptr<Client> make(std::vector<std::string> endpoints, uint64_t timeout_ms = 2000) {
  Config config;
  config.endpoints = std::move(endpoints);
  config.request_timeout_ms = timeout_ms;
  return Client::create(config).value();
}

TEST(Client, FailsOverFromARefusedEndpointAndPinsTheAnswer) {
  FakeHttpServer good([](const SeenRequest&) { return keys_reply("get", "/a", 5); });
  const std::string dead = FakeHttpServer::refused_url();
  auto client = make({dead, good.url()});
  KeysApi keys(*client);
  auto r = keys.get("/a");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->etcd_index, 5u);
  ASSERT_TRUE(keys.get("/a").ok());
  EXPECT_EQ(good.requests().size(), 2u);  // the second call went straight to the pinned one
}

TEST(Client, AllEndpointsDownIsATransportError) {
  const std::string a = FakeHttpServer::refused_url();
  auto client = make({a});
  auto r = KeysApi(*client).get("/a");
  ASSERT_FALSE(r.ok());
  const Error& e = r.error();
  EXPECT_EQ(e.kind, ErrorKind::transport);
  ASSERT_EQ(e.endpoint_errors.size(), 1u);
  EXPECT_EQ(e.endpoint_errors[0].message,
            "dial tcp " + a.substr(7) + ": connect: connection refused");
  EXPECT_TRUE(e.is_connection_error());
}

TEST(Client, FiveHundredFailsOverButEtcdErrorsDoNot) {
  FakeHttpServer sick([](const SeenRequest&) { return FakeReply{.status = 500}; });
  FakeHttpServer answers([](const SeenRequest&) {
    return FakeReply{.status = 404,
                     .body = R"({"errorCode":100,"message":"Key not found","cause":"/a","index":3})"};
  });
  auto client = make({sick.url(), answers.url()});
  auto r = KeysApi(*client).get("/a");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().is(kKeyNotFound));
  EXPECT_EQ(sick.requests().size(), 1u);
  EXPECT_EQ(answers.requests().size(), 1u);
}

TEST(Client, WriteIsNotRetriedAfterTheConnectionBroke) {
  FakeHttpServer drops([](const SeenRequest&) { return FakeReply{.mode = FakeReply::Mode::close}; });
  FakeHttpServer other([](const SeenRequest&) { return keys_reply("set", "/a", 9); });
  auto client = make({drops.url(), other.url()});
  KeysApi keys(*client);
  auto write = keys.set("/a", "v");
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.error().kind, ErrorKind::transport);
  EXPECT_EQ(other.requests().size(), 0u);
  auto read = keys.get("/a");  // a read may go on to the next endpoint
  EXPECT_TRUE(read.ok());
}

TEST(Client, PerRequestTimeoutNamesTheEndpoint) {
  FakeHttpServer hangs([](const SeenRequest&) { return FakeReply{.mode = FakeReply::Mode::hang}; });
  auto client = make({hangs.url()}, 200);
  auto r = KeysApi(*client).get("/a");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.error().endpoint_errors.size(), 1u);
  EXPECT_EQ(r.error().endpoint_errors[0].message,
            "client: endpoint " + hangs.url() + " exceeded header timeout");
}

TEST(Client, ACancelledWatchEndsPromptlyWithoutFailover) {
  FakeHttpServer hangs([](const SeenRequest&) { return FakeReply{.mode = FakeReply::Mode::hang}; });
  FakeHttpServer other([](const SeenRequest&) { return keys_reply("set", "/a", 9); });
  std::atomic<bool> cancel{false};
  Config config;
  config.endpoints = {hangs.url(), other.url()};
  config.cancel = &cancel;
  auto client = Client::create(config).value();
  Watcher watcher(*client, "/a", {.after_index = 1});
  std::thread canceller([&] {
    while (hangs.requests().empty())
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    cancel = true;
  });
  const auto start = std::chrono::steady_clock::now();
  auto event = watcher.next(60000);  // a long poll, ended by the flag
  canceller.join();
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.error().kind, ErrorKind::transport);
  EXPECT_EQ(event.error().endpoint_errors.at(0).message, "request cancelled");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_EQ(other.requests().size(), 0u);
}

TEST(Client, TotalTimeoutIsADeadline) {
  FakeHttpServer hangs([](const SeenRequest&) { return FakeReply{.mode = FakeReply::Mode::hang}; });
  Config config;
  config.endpoints = {hangs.url()};
  config.total_timeout_ms = 200;
  auto client = Client::create(config).value();
  auto r = KeysApi(*client).get("/a");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::timeout);
  EXPECT_EQ(r.error().message, "context deadline exceeded");
}

TEST(Client, SyncReplacesEndpointsWithPublishedClientUrls) {
  std::string self;
  FakeHttpServer server([&self](const SeenRequest&) {
    return FakeReply{.body = R"({"members":[{"id":"1","name":"a","peerURLs":[],"clientURLs":[")" +
                             self + R"("]}]})"};
  });
  self = server.url();
  auto client = make({FakeHttpServer::refused_url(), server.url()});
  ASSERT_TRUE(client->sync().ok());
  EXPECT_EQ(client->endpoint_urls(), std::vector<std::string>{server.url()});
}

TEST(Watcher, ResumesAfterTheLastEventAndRecoversFromACleardIndex) {
  std::vector<std::string> targets;
  FakeHttpServer server([&targets](const SeenRequest& r) {
    targets.push_back(r.target);
    if (r.target.find("waitIndex=0") != std::string::npos) return keys_reply("set", "/k", 7);
    if (r.target.find("waitIndex=8") != std::string::npos) {
      return FakeReply{.status = 400,
                       .body = R"({"errorCode":401,"message":"The event in requested index is )"
                               R"(outdated and cleared","cause":"[1500/8]","index":2500})"};
    }
    if (r.target.find("wait=true") == std::string::npos) return keys_reply("get", "/k", 2500);
    return keys_reply("update", "/k", 2501);
  });
  auto client = make({server.url()});
  Watcher watcher(*client, "/k", {});
  auto first = watcher.next(2000);
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  EXPECT_EQ(first->response.action, "set");
  EXPECT_EQ(watcher.next_index(), 8u);
  auto resync = watcher.next(2000);
  ASSERT_TRUE(resync.ok()) << resync.error().to_string();
  EXPECT_TRUE(resync->resync);
  EXPECT_EQ(resync->response.action, "get");
  EXPECT_EQ(watcher.next_index(), 2501u);
  const std::string& reread = targets.back();  // the resync read, linearizable
  EXPECT_EQ(reread.find("wait=true"), std::string::npos) << reread;
  EXPECT_NE(reread.find("quorum=true"), std::string::npos) << reread;
  auto after = watcher.next(2000);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->response.action, "update");
  EXPECT_NE(targets.back().find("waitIndex=2501"), std::string::npos);
}

TEST(Watcher, TimeoutKeepsThePosition) {
  FakeHttpServer hangs([](const SeenRequest&) { return FakeReply{.mode = FakeReply::Mode::hang}; });
  auto client = make({hangs.url()});
  Watcher watcher(*client, "/k", {.after_index = 41});
  auto r = watcher.next(150);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::timeout);
  EXPECT_EQ(watcher.next_index(), 42u);
}

}  // namespace
}  // namespace etcd::client
