#include "agents/etcdclient/codec.h"

#include <gtest/gtest.h>

#include "agents/etcdclient/auth_codec.h"

namespace etcd::client {
namespace {

HttpResponse http(int status, std::string body, std::map<std::string, std::string> headers = {}) {
  return HttpResponse{status, std::move(headers), std::move(body)};
}

TEST(Codec, DecodesAWriteWithHeadersAndPrevNode) {
  auto r = decode_keys_response(http(
      200,
      R"({"action":"set","node":{"key":"/a","value":"2","expiration":"2026-11-22T14:53:23.4Z",)"
      R"("ttl":9,"modifiedIndex":8,"createdIndex":8},"prevNode":{"key":"/a","value":"1",)"
      R"("modifiedIndex":7,"createdIndex":7}})"
      "\n",
      {{"x-etcd-index", "8"}, {"x-raft-index", "120"}, {"x-raft-term", "2"},
       {"x-etcd-cluster-id", "a6a61638f474657"}}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->action, "set");
  EXPECT_EQ(r->node.key, "/a");
  EXPECT_EQ(r->node.value, "2");
  EXPECT_EQ(r->node.expiration.value_or(""), "2026-11-22T14:53:23.4Z");
  EXPECT_EQ(r->node.ttl, 9);
  EXPECT_EQ(r->node.modified_index, 8u);
  ASSERT_TRUE(r->prev_node.has_value());
  EXPECT_EQ(r->prev_node->value, "1");
  EXPECT_EQ(r->etcd_index, 8u);
  EXPECT_EQ(r->raft_index, 120u);
  EXPECT_EQ(r->raft_term, 2u);
  EXPECT_EQ(r->cluster_id, "a6a61638f474657");
}

TEST(Codec, DecodesNestedDirectories) {
  auto r = decode_keys_response(http(
      200, R"({"action":"get","node":{"dir":true,"nodes":[{"key":"/d","dir":true,"nodes":[)"
           R"({"key":"/d/x","value":"1","modifiedIndex":3,"createdIndex":3}],)"
           R"("modifiedIndex":2,"createdIndex":2}]}})"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->node.dir);
  EXPECT_EQ(r->node.key, "");
  ASSERT_EQ(r->node.nodes.size(), 1u);
  ASSERT_EQ(r->node.nodes[0].nodes.size(), 1u);
  EXPECT_EQ(r->node.nodes[0].nodes[0].key, "/d/x");
}

TEST(Codec, EtcdErrorBodiesAreTyped) {
  auto r = decode_keys_response(
      http(404, R"({"errorCode":100,"message":"Key not found","cause":"/x","index":12})"));
  ASSERT_FALSE(r.ok());
  const Error& e = r.error();
  EXPECT_EQ(e.kind, ErrorKind::etcd);
  EXPECT_TRUE(e.is(kKeyNotFound));
  EXPECT_EQ(e.cause, "/x");
  EXPECT_EQ(e.index, 12u);
  EXPECT_EQ(e.http_status, 404);
  EXPECT_EQ(e.to_string(), "100: Key not found (/x) [12]");
}

TEST(Codec, NonJsonErrorIsHttpKind) {
  auto r = decode_keys_response(http(404, "404 page not found\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::http);
  EXPECT_EQ(r.error().http_status, 404);
  EXPECT_EQ(r.error().body, "404 page not found\n");
}

TEST(Codec, EmptyWatchBodyIsRecognised) {
  auto r = decode_keys_response(http(200, ""));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(is_empty_body(r.error()));
  EXPECT_FALSE(decode_keys_response(http(200, "{not json")).ok());
}

TEST(Codec, MembersVersionHealth) {
  auto ms = decode_members(
      R"({"members":[{"id":"2d90b135268a82c5","name":"t3","peerURLs":["http://p:1"],)"
      R"("clientURLs":["http://c:1"]},{"id":"3cb6","name":"","peerURLs":["http://p:2"],)"
      R"("clientURLs":[]}]})");
  ASSERT_TRUE(ms.ok());
  ASSERT_EQ(ms->size(), 2u);
  EXPECT_EQ((*ms)[0], (Member{"2d90b135268a82c5", "t3", {"http://p:1"}, {"http://c:1"}}));
  EXPECT_TRUE((*ms)[1].client_urls.empty());
  auto v = decode_version(R"({"etcdserver":"3.4.23","etcdcluster":"3.4.0"})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->server, "3.4.23");
  EXPECT_TRUE(decode_health(R"({"health":"true"})").value());
  EXPECT_TRUE(decode_health(R"({"health":true})").value());
  EXPECT_FALSE(decode_health(R"({"health":"false"})").value());
  EXPECT_EQ(decode_message(R"({"message":"membership: peerURL exists"})"),
            "membership: peerURL exists");
  EXPECT_EQ(decode_message("404 page not found"), "");
}

TEST(Codec, TransportErrorTextMatchesTheGoClient) {
  Error e{.kind = ErrorKind::transport,
          .endpoint_errors = {{"http://127.0.0.1:1", "dial tcp 127.0.0.1:1: connect: refused", true},
                              {"http://127.0.0.1:2", "client: etcd member x has no leader", false}}};
  EXPECT_EQ(e.to_string(),
            "client: etcd cluster is unavailable or misconfigured; error #0: dial tcp "
            "127.0.0.1:1: connect: refused\n; error #1: client: etcd member x has no leader\n");
  EXPECT_FALSE(e.is_connection_error());
  e.endpoint_errors.pop_back();
  EXPECT_TRUE(e.is_connection_error());
}

TEST(AuthCodec, AcceptsBothListShapes) {
  EXPECT_EQ(decode_names(R"({"roles":["root","guest"]})", "roles", "role").value(),
            (std::vector<std::string>{"root", "guest"}));
  EXPECT_EQ(decode_names(R"({"users":[{"user":"root","roles":["root"]}]})", "users", "user")
                .value(),
            (std::vector<std::string>{"root"}));
  auto user = decode_user(R"({"user":"u","roles":[{"role":"r1"},{"role":"r2"}]})").value();
  EXPECT_EQ(user.roles, (std::vector<std::string>{"r1", "r2"}));
  auto role = decode_role(R"({"role":"r","permissions":{"kv":{"read":["/a"],"write":null}}})");
  ASSERT_TRUE(role.ok());
  EXPECT_EQ(role->read, (std::vector<std::string>{"/a"}));
  EXPECT_TRUE(role->write.empty());
}

}  // namespace
}  // namespace etcd::client
