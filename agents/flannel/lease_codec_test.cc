#include "agents/flannel/lease_codec.h"

#include <gtest/gtest.h>

#include "agents/flannel/go_json.h"

namespace corestack::flannel {
namespace {

using std::chrono::system_clock;

LeaseAttrs attrs(const char* ip, std::string type = "", std::string data = "") {
  return LeaseAttrs{*Ip4::parse(ip), std::move(type), std::move(data)};
}

// The reference's example lease, byte for byte.
constexpr const char* kVxlanLease = R"({"PublicIP":"192.168.1.10","BackendType":"vxlan",)"
                                    R"("BackendData":{"VtepMAC":"82:4b:b6:2f:54:4e"}})";

TEST(LeaseCodec, EncodesLikeGo) {
  EXPECT_EQ(
      encode_lease_attrs(attrs("192.168.1.10", "vxlan", R"({"VtepMAC":"82:4b:b6:2f:54:4e"})")),
      kVxlanLease);
  // udp: BackendType and BackendData are omitempty.
  EXPECT_EQ(encode_lease_attrs(attrs("10.0.0.1")), R"({"PublicIP":"10.0.0.1"})");
  EXPECT_EQ(encode_lease_attrs(attrs("10.0.0.1", "host-gw")),
            R"({"PublicIP":"10.0.0.1","BackendType":"host-gw"})");
}

TEST(LeaseCodec, BackendDataIsCompactedAndHtmlEscapedAsGoMarshalsARawMessage) {
  EXPECT_EQ(
      encode_lease_attrs(attrs("10.0.0.1", "x", "{ \"A\" : [1, 2.50, \"a b<&>\"] ,\n \"B\":{} }")),
      R"({"PublicIP":"10.0.0.1","BackendType":"x",)"
      R"("BackendData":{"A":[1,2.50,"a b\u003c\u0026\u003e"],"B":{}}})");
  // Whitespace and escapes inside strings are kept.
  EXPECT_EQ(go_compact("[ \"a \\\" b\\\\\" , 1 ]"), "[\"a \\\" b\\\\\",1]");
  EXPECT_EQ(go_compact("\"\xe2\x80\xa8\""), "\"\\u2028\"");
}

TEST(LeaseCodec, QuotesLikeGo) {
  EXPECT_EQ(go_quote("a\"b\\c\n\t\x01<>&"), "\"a\\\"b\\\\c\\n\\t\\u0001\\u003c\\u003e\\u0026\"");
  EXPECT_EQ(go_quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

TEST(LeaseCodec, DecodesToleratingCaseAndUnknownFields) {
  auto decoded =
      decode_lease_attrs(R"({"publicip":"10.0.0.2","backendtype":"vxlan",)"
                         R"("BackendData": {"VtepMAC":"aa:bb:cc:dd:ee:ff"} ,"Extra":[1]})");
  ASSERT_TRUE(decoded) << decoded.error();
  EXPECT_EQ(decoded->public_ip.to_string(), "10.0.0.2");
  EXPECT_EQ(decoded->backend_type, "vxlan");
  EXPECT_EQ(decoded->backend_data, R"({"VtepMAC":"aa:bb:cc:dd:ee:ff"})");
  auto udp = decode_lease_attrs(R"({"PublicIP":"10.0.0.3","BackendType":null,"BackendData":null})");
  ASSERT_TRUE(udp);
  EXPECT_EQ(udp->backend_type, "");
  EXPECT_EQ(udp->backend_data, "");
}

TEST(LeaseCodec, RoundTripsByteForByte) {
  const std::string stored = kVxlanLease;
  auto decoded = decode_lease_attrs(stored);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(encode_lease_attrs(*decoded), stored);
}

TEST(LeaseCodec, DecodeErrors) {
  EXPECT_EQ(decode_lease_attrs("nope").error().rfind("lease is not valid JSON", 0), 0u);
  EXPECT_EQ(decode_lease_attrs("[]").error(), "lease is not a JSON object");
  EXPECT_EQ(decode_lease_attrs("{}").error(), "PublicIP is missing");
  EXPECT_EQ(decode_lease_attrs(R"({"PublicIP":"300.1.1.1"})").error(),
            "invalid PublicIP \"300.1.1.1\"");
  EXPECT_EQ(decode_lease_attrs(R"({"PublicIP":1})").error(), "invalid PublicIP 1");
  EXPECT_EQ(decode_lease_attrs(R"({"PublicIP":"1.1.1.1","BackendType":2})").error(),
            "BackendType: expected a string");
}

TEST(LeaseCodec, Keys) {
  const Ip4Net subnet = *Ip4Net::parse("10.1.5.0/24");
  EXPECT_EQ(lease_key("/coreos.com/network", subnet), "/coreos.com/network/subnets/10.1.5.0-24");
  EXPECT_EQ(lease_key("coreos.com/network/", subnet), "/coreos.com/network/subnets/10.1.5.0-24");
  EXPECT_EQ(etcd_path("//a//b/", "config"), "/a/b/config");
  EXPECT_EQ(etcd_path("/", "config"), "/config");
  EXPECT_EQ(subnet_from_key("/coreos.com/network/subnets/10.1.5.0-24"), subnet);
  EXPECT_EQ(subnet_from_key("10.1.5.0-31"), Ip4Net::parse("10.1.5.0/31"));
  EXPECT_EQ(subnet_from_key("10.1.5.7-24"), Ip4Net::parse("10.1.5.7/24"));  // kept unaligned
  for (const char* bad : {"/x/subnets/10.1.5.0-32", "/x/subnets/10.1.5.0/24", "/x/subnets/foo",
                          "/x/subnets/10.1.5-24", "/x/subnets/10.1.5.0-24x", "/x/subnets/"}) {
    EXPECT_FALSE(subnet_from_key(bad)) << bad;
  }
}

TEST(LeaseCodec, Rfc3339) {
  auto t = parse_rfc3339("2026-11-22T14:53:23.400383527Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2026-11-22T14:53:23.400383527Z");
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*t), 1795359203);
  EXPECT_EQ(parse_rfc3339("2026-11-22T15:53:23.400383527+01:00"), t);
  EXPECT_EQ(parse_rfc3339("2026-11-22T13:23:23.400383527-01:30"), t);
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2026-11-22T14:53:23Z")), "2026-11-22T14:53:23Z");
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2026-11-22T14:53:23.5000Z")), "2026-11-22T14:53:23.5Z");
  for (const char* bad :
       {"", "2026-11-22", "2026-13-22T14:53:23Z", "2026-02-30T14:53:23Z", "2026-11-22T14:53:23",
        "2026-11-22 14:53:23Z", "2026-11-22T14:53:23+0100"}) {
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
  }
}

etcd::client::Node node(std::string key, std::string value, std::optional<std::string> expiration,
                        uint64_t index) {
  etcd::client::Node n;
  n.key = std::move(key);
  n.value = std::move(value);
  n.expiration = std::move(expiration);
  n.modified_index = index;
  return n;
}

TEST(LeaseCodec, LeasesFromARecursiveGet) {
  etcd::client::Node dir;
  dir.key = "/coreos.com/network/subnets";
  dir.dir = true;
  dir.nodes = {
      node(dir.key + "/10.1.5.0-24", R"({"PublicIP":"10.0.0.1"})", "2026-11-22T14:53:23Z", 7),
      node(dir.key + "/10.1.6.0-24", R"({"PublicIP":"10.0.0.2","BackendType":"vxlan"})",
           std::nullopt, 9),
      node(dir.key + "/garbage", R"({"PublicIP":"10.0.0.3"})", std::nullopt, 10),
      node(dir.key + "/10.1.7.0-24", "not json", std::nullopt, 11),
      node(dir.key + "/10.1.8.0-24", R"({"PublicIP":"10.0.0.4"})", "yesterday", 12),
  };
  etcd::client::Node sub;
  sub.key = dir.key + "/10.1.9.0-24";
  sub.dir = true;
  dir.nodes.push_back(sub);
  auto leases = leases_from_dir(dir);
  ASSERT_EQ(leases.size(), 2u);
  EXPECT_EQ(leases[0].subnet.to_string(), "10.1.5.0/24");
  EXPECT_EQ(leases[0].attrs.public_ip.to_string(), "10.0.0.1");
  EXPECT_FALSE(leases[0].reservation());
  EXPECT_EQ(leases[0].expiration, *parse_rfc3339("2026-11-22T14:53:23Z"));
  EXPECT_EQ(leases[0].modified_index, 7u);
  EXPECT_TRUE(leases[1].reservation());
  EXPECT_EQ(leases[1].attrs.backend_type, "vxlan");
}

}  // namespace
}  // namespace corestack::flannel

namespace corestack::flannel {
namespace {

TEST(GoJson, MembersKeepTheExactTextOfEveryValue) {
  const std::string text =
      " {\"a\" : [1, {\"x\":\"]}\\\"\"}] ,\"b\":\"s,}\\\\\",\"c\":-1.5e3 ,\"d\":true,"
      "\"e\":null,\"f\":{},\"g\":[],\"\\u0041\":{\"n\":{\"m\":[[]]}}} ";
  auto members = object_members(text);
  ASSERT_TRUE(members) << members.error();
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"a", "[1, {\"x\":\"]}\\\"\"}]"},
      {"b", "\"s,}\\\\\""},
      {"c", "-1.5e3"},
      {"d", "true"},
      {"e", "null"},
      {"f", "{}"},
      {"g", "[]"},
      {"A", "{\"n\":{\"m\":[[]]}}"}};
  ASSERT_EQ(members->size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ((*members)[i].key, expected[i].first);
    EXPECT_EQ((*members)[i].raw, expected[i].second);
  }
  // "\u0041" is "A": it matches "a" too, and the last match wins, as in Go.
  EXPECT_EQ(find_member(*members, "a")->raw, expected[7].second);
  EXPECT_EQ(find_member(*members, "B")->raw, expected[1].second);
  EXPECT_EQ(find_member(*members, "nope"), nullptr);
  auto empty = object_members("{}");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace corestack::flannel
