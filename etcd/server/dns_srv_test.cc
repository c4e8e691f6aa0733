#include "etcd/server/dns_srv.h"

#include <map>

#include <gtest/gtest.h>

namespace etcd::server {
namespace {

// A zone in a map: SRV names → records, host names → addresses.
struct FakeZone {
  std::map<std::string, std::vector<SrvRecord>> srv;
  std::map<std::string, std::string> hosts;

  SrvResolver resolver() const {
    return {[this](const std::string& name) -> Result<std::vector<SrvRecord>> {
              auto it = srv.find(name);
              if (it == srv.end()) return Error{"lookup " + name + ": no SRV records"};
              return it->second;
            },
            [this](const std::string& host, uint16_t port) -> Result<std::vector<std::string>> {
              auto it = hosts.find(host);
              const std::string ip = it == hosts.end() ? host : it->second;
              if (ip.find_first_not_of("0123456789.") != std::string::npos) {
                return Error{"resolving " + host + ": no such host"};
              }
              return std::vector<std::string>{ip + ":" + std::to_string(port)};
            }};
  }
};

FakeZone example_zone() {
  FakeZone z;
  z.srv["_etcd-server._tcp.example.com"] = {
      {"infra0.example.com", 2380}, {"infra1.example.com", 2380}, {"infra2.example.com", 2380}};
  z.hosts = {{"infra0.example.com", "10.0.1.10"},
             {"infra1.example.com", "10.0.1.11"},
             {"infra2.example.com", "10.0.1.12"}};
  return z;
}

TEST(DnsSrv, BuildsTheClusterAndRecognisesUsByAddress) {
  const FakeZone z = example_zone();
  auto got = srv_initial_cluster("example.com", "infra1", {"http://10.0.1.11:2380"}, z.resolver());
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->initial_cluster,
            "0=http://infra0.example.com:2380,infra1=http://infra1.example.com:2380,"
            "1=http://infra2.example.com:2380");
  EXPECT_EQ(got->self_peer_urls, std::vector<std::string>{"http://infra1.example.com:2380"});
}

TEST(DnsSrv, SslRecordsGiveHttpsPeers) {
  FakeZone z = example_zone();
  z.srv["_etcd-server-ssl._tcp.example.com"] = z.srv["_etcd-server._tcp.example.com"];
  z.srv.erase("_etcd-server._tcp.example.com");
  auto got = srv_initial_cluster("example.com", "infra0", {"https://infra0.example.com:2380"},
                                 z.resolver());
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->initial_cluster.substr(0, 39), "infra0=https://infra0.example.com:2380,");
}

TEST(DnsSrv, NoRecordsAtAllIsAnError) {
  const FakeZone z;
  auto got = srv_initial_cluster("example.com", "infra0", {"http://10.0.1.10:2380"}, z.resolver());
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message.find("too many errors querying DNS SRV records"), std::string::npos);
}

TEST(DnsSrv, NotAmongTheTargetsIsAnError) {
  const FakeZone z = example_zone();
  auto got = srv_initial_cluster("example.com", "stranger", {"http://10.0.9.9:2380"}, z.resolver());
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message.find("none of the SRV targets"), std::string::npos);
}

TEST(DnsSrv, UnresolvableTargetsAreSkipped) {
  FakeZone z = example_zone();
  z.srv["_etcd-server._tcp.example.com"].push_back({"gone.example.com", 2380});
  auto got = srv_initial_cluster("example.com", "infra0", {"http://10.0.1.10:2380"}, z.resolver());
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->initial_cluster.find("gone"), std::string::npos);
}

}  // namespace
}  // namespace etcd::server
