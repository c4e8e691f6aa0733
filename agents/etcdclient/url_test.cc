#include "agents/etcdclient/url.h"

#include <gtest/gtest.h>

#include "agents/etcdclient/http.h"

namespace etcd::client {
namespace {

TEST(Url, CleanPathFollowsGo) {
  EXPECT_EQ(clean_path(""), ".");
  EXPECT_EQ(clean_path("/"), "/");
  EXPECT_EQ(clean_path("a//b/./c/.."), "a/b");
  EXPECT_EQ(clean_path("/../a/"), "/a");
  EXPECT_EQ(clean_path("../../a"), "../../a");
  EXPECT_EQ(clean_path("/a/b/../../.."), "/");
}

TEST(Url, CanonicalPathKeepsTrailingSlash) {
  EXPECT_EQ(canonical_url_path(""), "/");
  EXPECT_EQ(canonical_url_path("v2/keys/a"), "/v2/keys/a");
  EXPECT_EQ(canonical_url_path("/v2/keys/"), "/v2/keys/");
  EXPECT_EQ(canonical_url_path("/v2/keys//a//"), "/v2/keys/a/");
  EXPECT_EQ(canonical_url_path("/v2/keys/../x"), "/v2/x");
}

TEST(Url, JoinPathSkipsEmptyParts) {
  EXPECT_EQ(join_path({"", "/v2/members", "abc"}), "/v2/members/abc");
  EXPECT_EQ(join_path({"/prefix/", "/version"}), "/prefix/version");
  EXPECT_EQ(join_path({"", ""}), "");
}

TEST(Url, EscapesLikeGo) {
  EXPECT_EQ(escape_path("/a b/c?d"), "/a%20b/c%3Fd");
  EXPECT_EQ(escape_path("/$&+,:;=@~-_."), "/$&+,:;=@~-_.");
  EXPECT_EQ(escape_path("/\xc3\xa9"), "/%C3%A9");
  EXPECT_EQ(query_escape("v w&x"), "v+w%26x");
  EXPECT_EQ(query_escape("a/b:c"), "a%2Fb%3Ac");
}

TEST(Url, EncodeQuerySortsKeysStably) {
  EXPECT_EQ(encode_query({{"value", "v"}, {"ttl", "5"}}), "ttl=5&value=v");
  EXPECT_EQ(encode_query({{"b", "2"}, {"a", "1"}, {"b", "1"}}), "a=1&b=2&b=1");
  EXPECT_EQ(encode_query({}), "");
}

TEST(Url, ParsesEndpoints) {
  auto e = parse_endpoint("http://127.0.0.1:2379");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->scheme, "http");
  EXPECT_EQ(e->host, "127.0.0.1:2379");
  EXPECT_EQ(e->path, "");
  EXPECT_EQ(e->to_string(), "http://127.0.0.1:2379");
  auto bare = parse_endpoint("10.0.0.1:4001");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->to_string(), "http://10.0.0.1:4001");
  auto tls = parse_endpoint("HTTPS://etcd.example/prefix");
  ASSERT_TRUE(tls.ok());
  EXPECT_EQ(tls->scheme, "https");
  EXPECT_EQ(tls->path, "/prefix");
  EXPECT_EQ(tls->host_port(), "etcd.example:443");
  EXPECT_FALSE(parse_endpoint("ftp://x:1").ok());
  EXPECT_FALSE(parse_endpoint("http://").ok());
}

TEST(Url, RequestUrlJoinsEndpointPath) {
  auto e = parse_endpoint("http://h:1/pre").value();
  HttpRequest keys{.method = "GET", .path = "/v2/keys/a/", .join = PathJoin::canonical,
                   .query = "x=1"};
  EXPECT_EQ(keys.url_for(e), "http://h:1/pre/v2/keys/a/?x=1");
  HttpRequest members{.method = "GET", .path = "/v2/members"};
  EXPECT_EQ(members.url_for(e), "http://h:1/pre/v2/members");
}

}  // namespace
}  // namespace etcd::client
