#include "etcd/transport/peer_url.h"

#include <gtest/gtest.h>

namespace etcd::transport {
namespace {

TEST(PeerUrl, ParsesHttpAndHttps) {
  auto plain = parse_peer_url("http://10.0.0.1:2380");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->host, "10.0.0.1");
  EXPECT_EQ(plain->port, 2380);
  auto secure = parse_peer_url("https://node1.example:7001/");
  ASSERT_TRUE(secure.ok());
  EXPECT_TRUE(secure->tls);
  EXPECT_EQ(secure->authority(), "node1.example:7001");
}

TEST(PeerUrl, ParsesBracketedIpv6) {
  auto url = parse_peer_url("http://[::1]:2380");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->authority(), "[::1]:2380");
}

TEST(PeerUrl, RejectsWhatCannotBeDialed) {
  for (const char* bad : {"unix://x:1", "10.0.0.1:2380", "http://10.0.0.1", "http://:2380",
                          "http://h:99999", "http://h:23x", "http://h:2380/raft", "http://::1:2"}) {
    auto url = parse_peer_url(bad);
    ASSERT_FALSE(url.ok()) << bad;
    EXPECT_NE(url.error().message.find(bad), std::string::npos) << url.error().message;
  }
}

TEST(PeerUrl, AListFailsOnTheFirstBadUrlAndWhenEmpty) {
  EXPECT_TRUE(parse_peer_urls({"http://a:1", "https://b:2"}).ok());
  EXPECT_FALSE(parse_peer_urls({"http://a:1", "ftp://b:2"}).ok());
  EXPECT_FALSE(parse_peer_urls({}).ok());
}

}  // namespace
}  // namespace etcd::transport
