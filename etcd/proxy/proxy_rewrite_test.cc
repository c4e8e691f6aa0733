#include "etcd/proxy/rewrite.h"

#include <gtest/gtest.h>

namespace etcd::proxy {
namespace {

const std::string* find(const std::vector<http::Header>& hs, std::string_view name) {
  for (const auto& h : hs) {
    if (http::iequals(h.name, name)) return &h.value;
  }
  return nullptr;
}

TEST(Rewrite, UpstreamDropsHopByHopFramingAndExpect) {
  http::Request r;
  r.remote_address = "10.1.2.3:5555";
  r.headers = {{"Host", "proxy:2379"},
               {"Connection", "keep-alive"},
               {"Keep-Alive", "300"},
               {"TE", "trailers"},
               {"Content-Length", "7"},
               {"Expect", "100-continue"},
               {"Content-Type", "application/x-www-form-urlencoded"},
               {"Transfer-Encoding", "chunked"}};
  auto out = upstream_headers(r);
  EXPECT_EQ(*find(out, "Host"), "proxy:2379");
  EXPECT_EQ(*find(out, "Content-Type"), "application/x-www-form-urlencoded");
  for (auto name :
       {"Connection", "Keep-Alive", "Te", "Content-Length", "Expect", "Transfer-Encoding"}) {
    EXPECT_EQ(find(out, name), nullptr) << name;
  }
  EXPECT_EQ(*find(out, "X-Forwarded-For"), "10.1.2.3");
}

TEST(Rewrite, ForwardedForKeepsEarlierProxies) {
  http::Request r;
  r.remote_address = "[::1]:40000";
  r.headers = {{"X-Forwarded-For", "192.0.2.1"}, {"X-Forwarded-For", "198.51.100.2"}};
  auto out = upstream_headers(r);
  EXPECT_EQ(*find(out, "X-Forwarded-For"), "192.0.2.1, 198.51.100.2, ::1");
}

TEST(Rewrite, DownstreamKeepsEtcdHeadersAndDropsFraming) {
  auto out = downstream_headers({{"Content-Type", "application/json"},
                                 {"X-Etcd-Index", "42"},
                                 {"X-Raft-Term", "3"},
                                 {"Content-Length", "10"},
                                 {"Transfer-Encoding", "chunked"},
                                 {"Connection", "close"}});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(*find(out, "X-Etcd-Index"), "42");
  EXPECT_EQ(find(out, "Connection"), nullptr);
}

TEST(Rewrite, ClientIp) {
  EXPECT_EQ(client_ip("127.0.0.1:80"), "127.0.0.1");
  EXPECT_EQ(client_ip("[fe80::1]:80"), "fe80::1");
  EXPECT_EQ(client_ip("garbage"), "");
}

}  // namespace
}  // namespace etcd::proxy
