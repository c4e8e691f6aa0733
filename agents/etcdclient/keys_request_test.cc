// The requests must be byte-identical to etcd's Go client (as traced by `etcdctl
// --debug`, ETCDCTL_API=2, etcdctl 3.4.23); the expected URLs below were observed.
#include "agents/etcdclient/keys_request.h"

#include <gtest/gtest.h>

namespace etcd::client {
namespace {

const Endpoint kEndpoint{"http", "127.0.0.1:45649", ""};

std::string url(const HttpRequest& r) { return r.url_for(kEndpoint); }

TEST(KeysRequest, GetSendsAllThreeFlags) {
  auto r = build_get("/a", {});
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(url(r), "http://127.0.0.1:45649/v2/keys/a?quorum=false&recursive=false&sorted=false");
  EXPECT_FALSE(r.body.has_value());
  auto root = build_get("/", {.recursive = true, .sorted = true});
  EXPECT_EQ(url(root), "http://127.0.0.1:45649/v2/keys/?quorum=false&recursive=true&sorted=true");
}

TEST(KeysRequest, SetPutsValueAndTtlInTheForm) {
  auto r = build_set("/a b/c?d", "v w&x", {.ttl_s = 50});
  EXPECT_EQ(r.method, "PUT");
  EXPECT_EQ(url(r), "http://127.0.0.1:45649/v2/keys/a%20b/c%3Fd");
  EXPECT_EQ(r.body.value_or("<none>"), "ttl=50&value=v+w%26x");
  EXPECT_EQ(r.content_type, "application/x-www-form-urlencoded");
}

TEST(KeysRequest, KeyWithoutLeadingSlash) {
  EXPECT_EQ(url(build_set("a", "1", {})), "http://127.0.0.1:45649/v2/keys/a");
}

TEST(KeysRequest, ConditionsGoInTheQuery) {
  auto cas = build_set("/k", "new", {.prev_value = "old", .prev_index = 7});
  EXPECT_EQ(url(cas), "http://127.0.0.1:45649/v2/keys/k?prevIndex=7&prevValue=old");
  auto create = build_set("/k", "v", {.prev_exist = PrevExist::must_not_exist});
  EXPECT_EQ(url(create), "http://127.0.0.1:45649/v2/keys/k?prevExist=false");
  auto update = build_set("/k", "v", {.prev_exist = PrevExist::must_exist});
  EXPECT_EQ(url(update), "http://127.0.0.1:45649/v2/keys/k?prevExist=true");
}

TEST(KeysRequest, MkdirSendsDirAndAnEmptyBody) {
  auto r = build_set("/dd", "", {.prev_exist = PrevExist::must_not_exist, .dir = true});
  EXPECT_EQ(url(r), "http://127.0.0.1:45649/v2/keys/dd?dir=true&prevExist=false");
  EXPECT_EQ(r.body.value_or("<none>"), "");
}

TEST(KeysRequest, RefreshSendsNoValue) {
  auto r = build_set("/k", "", {.prev_exist = PrevExist::must_exist, .ttl_s = 30,
                                .refresh = true});
  EXPECT_EQ(url(r), "http://127.0.0.1:45649/v2/keys/k?prevExist=true");
  EXPECT_EQ(r.body.value_or("<none>"), "refresh=true&ttl=30");
}

TEST(KeysRequest, DeleteConditionsAndFlags) {
  auto r = build_delete("/a", {.prev_value = "x", .prev_index = 3});
  EXPECT_EQ(r.method, "DELETE");
  EXPECT_EQ(url(r), "http://127.0.0.1:45649/v2/keys/a?prevIndex=3&prevValue=x");
  EXPECT_FALSE(r.body.has_value());
  auto dir = build_delete("/d", {.dir = true, .recursive = true});
  EXPECT_EQ(url(dir), "http://127.0.0.1:45649/v2/keys/d?dir=true&recursive=true");
}

TEST(KeysRequest, CreateInOrderPosts) {
  auto r = build_create_in_order("/q", "v", 5);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(url(r), "http://127.0.0.1:45649/v2/keys/q");
  EXPECT_EQ(r.body.value_or("<none>"), "ttl=5&value=v");
}

TEST(KeysRequest, WaitIsALongPoll) {
  auto r = build_wait("/a", 4, false);
  EXPECT_TRUE(r.wait);
  EXPECT_EQ(url(r), "http://127.0.0.1:45649/v2/keys/a?recursive=false&wait=true&waitIndex=4");
  EXPECT_TRUE(r.idempotent());
}

}  // namespace
}  // namespace etcd::client
