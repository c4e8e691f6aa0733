#include "agents/flannel/network_config.h"

#include <gtest/gtest.h>

namespace corestack::flannel {
namespace {

NetworkConfig parse_ok(const std::string& json) {
  auto config = parse_network_config(json);
  EXPECT_TRUE(config) << json << ": " << (config ? "" : config.error());
  return config ? *config : NetworkConfig{};
}

std::string parse_error(const std::string& json) {
  auto config = parse_network_config(json);
  EXPECT_FALSE(config) << json;
  return config ? "" : config.error();
}

TEST(NetworkConfig, DefaultsForASlash16) {
  auto c = parse_ok(R"({"Network":"10.1.0.0/16"})");
  EXPECT_EQ(c.network.to_string(), "10.1.0.0/16");
  EXPECT_EQ(c.subnet_len, 24);
  EXPECT_EQ(c.subnet_min.to_string(), "10.1.1.0");  // the first subnet is skipped
  EXPECT_EQ(c.subnet_max.to_string(), "10.1.255.0");
  EXPECT_EQ(c.backend.type, "udp");
  EXPECT_EQ(c.backend.udp.port, 8285);
  EXPECT_EQ(c.backend.raw, "");
  EXPECT_EQ(c.subnet_count(), 255u);
}

TEST(NetworkConfig, SmallNetworksGetHalves) {
  auto c = parse_ok(R"({"Network":"10.1.2.0/24"})");
  EXPECT_EQ(c.subnet_len, 25);
  EXPECT_EQ(c.subnet_min.to_string(), "10.1.2.128");
  EXPECT_EQ(c.subnet_max.to_string(), "10.1.2.128");
  c = parse_ok(R"({"Network":"10.1.2.0/28"})");
  EXPECT_EQ(c.subnet_len, 29);
}

TEST(NetworkConfig, NetworkIsMasked) {
  auto c = parse_ok(R"({"Network":"10.1.2.3/16"})");
  EXPECT_EQ(c.network.to_string(), "10.1.0.0/16");
}

TEST(NetworkConfig, TheReferenceExample) {
  auto c = parse_ok(R"({"Network":"10.1.0.0/16","SubnetLen":24,"SubnetMin":"10.1.1.0",
    "SubnetMax":"10.1.255.0","Backend":{"Type":"vxlan","VNI":1,"Port":8472}})");
  EXPECT_EQ(c.backend.type, "vxlan");
  EXPECT_EQ(c.backend.vxlan.vni, 1);
  EXPECT_EQ(c.backend.vxlan.port, 8472);
  EXPECT_EQ(c.backend.raw, R"({"Type":"vxlan","VNI":1,"Port":8472})");
}

TEST(NetworkConfig, FieldNamesAreCaseInsensitiveAndUnknownOnesIgnored) {
  auto c = parse_ok(R"({"network":"10.2.0.0/16","SUBNETLEN":26,"subnetmin":"10.2.0.64",
    "Comment":"hi","backend":{"type":"VXLAN","vni":42,"gbp":true,"directrouting":true,"x":1}})");
  EXPECT_EQ(c.network.to_string(), "10.2.0.0/16");
  EXPECT_EQ(c.subnet_len, 26);
  EXPECT_EQ(c.subnet_min.to_string(), "10.2.0.64");
  EXPECT_EQ(c.subnet_max.to_string(), "10.2.255.192");
  EXPECT_EQ(c.backend.type, "vxlan");
  EXPECT_EQ(c.backend.vxlan.vni, 42);
  EXPECT_EQ(c.backend.vxlan.port, 0);  // the kernel's 8472
  EXPECT_TRUE(c.backend.vxlan.gbp);
  EXPECT_TRUE(c.backend.vxlan.direct_routing);
}

TEST(NetworkConfig, LastOfDuplicateKeysWins) {
  auto c = parse_ok(R"({"Network":"10.1.0.0/16","network":"10.9.0.0/16"})");
  EXPECT_EQ(c.network.to_string(), "10.9.0.0/16");
}

TEST(NetworkConfig, Backends) {
  EXPECT_EQ(parse_ok(R"({"Network":"10.1.0.0/16","Backend":{"Type":"host-gw"}})").backend.type,
            "host-gw");
  EXPECT_EQ(parse_ok(R"({"Network":"10.1.0.0/16","Backend":{"Type":"UDP","Port":9000}})")
                .backend.udp.port,
            9000);
  EXPECT_EQ(parse_ok(R"({"Network":"10.1.0.0/16","Backend":null})").backend.type, "udp");
  auto vxlan = parse_ok(R"({"Network":"10.1.0.0/16","Backend":{"Type":"vxlan"}})").backend.vxlan;
  EXPECT_EQ(vxlan.vni, 1);
  EXPECT_EQ(vxlan.port, 0);
  EXPECT_FALSE(vxlan.gbp);
  EXPECT_FALSE(vxlan.direct_routing);
}

TEST(NetworkConfig, SubnetLenEqualToTheNetworkNeedsSubnetMin) {
  auto c = parse_ok(R"({"Network":"10.1.0.0/16","SubnetLen":16,"SubnetMin":"10.1.0.0"})");
  EXPECT_EQ(c.subnet_count(), 1u);
}

struct ErrorCase {
  const char* json;
  const char* error;
};

TEST(NetworkConfig, EveryErrorText) {
  const ErrorCase cases[] = {
      {"", "network config is not valid JSON: "},
      {"Network: 10.1.0.0/16", "network config is not valid JSON: "},
      {R"(["10.1.0.0/16"])", "network config is not a JSON object"},
      {R"({})", "Network is missing"},
      {R"({"Network":null})", "Network is missing"},
      {R"({"Network":16})", "Network: expected a CIDR string"},
      {R"({"Network":"10.1.0.0"})", "invalid Network \"10.1.0.0\": not an IPv4 CIDR"},
      {R"({"Network":"10.1.0.0/16","SubnetLen":"24"})", "SubnetLen: expected an integer >= 0"},
      {R"({"Network":"10.1.0.0/16","SubnetLen":24.5})", "SubnetLen: expected an integer >= 0"},
      {R"({"Network":"10.1.0.0/16","SubnetLen":-1})", "SubnetLen: expected an integer >= 0"},
      {R"({"Network":"10.1.0.0/16","SubnetLen":8})", "HostSubnet is larger network than Network"},
      {R"({"Network":"10.1.0.0/16","SubnetLen":31})",
       "SubnetLen 31 is too long: at most 30 (each host needs a network, a gateway and a "
       "broadcast address)"},
      {R"({"Network":"10.1.2.0/30"})", "SubnetLen 31 is too long: "},
      {R"({"Network":"10.1.0.0/16","SubnetLen":16})",
       "SubnetLen 16 leaves a single subnet in Network 10.1.0.0/16, and the first subnet is only "
       "used when SubnetMin names it"},
      {R"({"Network":"10.1.0.0/16","SubnetMin":"10.2.0.0"})",
       "SubnetMin is not in the range of the Network"},
      {R"({"Network":"10.1.0.0/16","SubnetMax":"10.0.255.0"})",
       "SubnetMax is not in the range of the Network"},
      {R"({"Network":"10.1.0.0/16","SubnetMin":"10.1.1.128"})",
       "SubnetMin 10.1.1.128 is not aligned to SubnetLen 24 (the subnet starts at 10.1.1.0)"},
      {R"({"Network":"10.1.0.0/16","SubnetMax":"10.1.9.1"})",
       "SubnetMax 10.1.9.1 is not aligned to SubnetLen 24 (the subnet starts at 10.1.9.0)"},
      {R"({"Network":"10.1.0.0/16","SubnetMin":"10.1.9.0","SubnetMax":"10.1.2.0"})",
       "SubnetMin 10.1.9.0 is greater than SubnetMax 10.1.2.0"},
      {R"({"Network":"10.1.0.0/16","SubnetMin":"x"})",
       "SubnetMin: expected an IPv4 address string"},
      {R"({"Network":"10.1.0.0/16","SubnetMax":7})", "SubnetMax: expected an IPv4 address string"},
      {R"({"Network":"10.1.0.0/16","Backend":"vxlan"})", "Backend: expected an object"},
      {R"({"Network":"10.1.0.0/16","Backend":{"Type":"aws-vpc"}})",
       "unknown backend type: aws-vpc"},
      {R"({"Network":"10.1.0.0/16","Backend":{}})", "unknown backend type: "},
      {R"({"Network":"10.1.0.0/16","Backend":{"Type":3}})", "Backend.Type: expected a string"},
      {R"({"Network":"10.1.0.0/16","Backend":{"Type":"vxlan","VNI":"1"}})",
       "Backend.VNI: expected an integer"},
      {R"({"Network":"10.1.0.0/16","Backend":{"Type":"vxlan","VNI":16777216}})",
       "Backend.VNI 16777216 is out of range (0..16777215)"},
      {R"({"Network":"10.1.0.0/16","Backend":{"Type":"vxlan","Port":65536}})",
       "Backend.Port 65536 is out of range (0..65535)"},
      {R"({"Network":"10.1.0.0/16","Backend":{"Type":"vxlan","GBP":"yes"}})",
       "Backend.GBP: expected true or false"},
      {R"({"Network":"10.1.0.0/16","Backend":{"Type":"vxlan","DirectRouting":1}})",
       "Backend.DirectRouting: expected true or false"},
      {R"({"Network":"10.1.0.0/16","Backend":{"Type":"udp","Port":0}})",
       "Backend.Port 0 is out of range (1..65535)"},
  };
  for (const ErrorCase& c : cases) {
    const std::string error = parse_error(c.json);
    EXPECT_EQ(error.rfind(c.error, 0), 0u) << c.json << "\n  got: " << error;
  }
}

TEST(NetworkConfig, CompatibleSubnets) {
  auto c = parse_ok(R"({"Network":"10.1.0.0/16","SubnetMin":"10.1.10.0","SubnetMax":"10.1.20.0"})");
  EXPECT_TRUE(c.compatible(*Ip4Net::parse("10.1.10.0/24")));
  EXPECT_TRUE(c.compatible(*Ip4Net::parse("10.1.20.0/24")));
  EXPECT_FALSE(c.compatible(*Ip4Net::parse("10.1.9.0/24")));   // below SubnetMin
  EXPECT_FALSE(c.compatible(*Ip4Net::parse("10.1.21.0/24")));  // above SubnetMax
  EXPECT_FALSE(c.compatible(*Ip4Net::parse("10.1.12.0/25")));  // wrong prefix
  EXPECT_FALSE(c.compatible(*Ip4Net::parse("10.1.12.5/24")));  // unaligned key
  EXPECT_EQ(c.subnet_count(), 11u);
}

}  // namespace
}  // namespace corestack::flannel
