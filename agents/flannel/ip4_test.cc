#include "agents/flannel/ip4.h"

#include <gtest/gtest.h>

namespace corestack::flannel {
namespace {

Ip4 ip(const char* text) {
  return *Ip4::parse(text);
}
Ip4Net net(const char* text) {
  return *Ip4Net::parse(text);
}

TEST(Ip4, ParsesDottedQuadsOnly) {
  EXPECT_EQ(ip("10.1.2.3").value, 0x0a010203u);
  EXPECT_EQ(ip("255.255.255.255").value, 0xffffffffu);
  EXPECT_EQ(ip("0.0.0.0").value, 0u);
  for (const char* bad : {"", "10.1.2", "10.1.2.3.4", "10.1.2.256", "10.1.2.-1", "10.01.2.3",
                          "10.1.2.3 ", " 10.1.2.3", "a.b.c.d", "10..2.3", "10.1.2.", "+1.2.3.4"}) {
    EXPECT_FALSE(Ip4::parse(bad)) << bad;
  }
}

TEST(Ip4, PrintsDotted) {
  EXPECT_EQ(ip("192.168.0.50").to_string(), "192.168.0.50");
  EXPECT_EQ(Ip4{0}.to_string(), "0.0.0.0");
}

TEST(Ip4Net, ParsesCidrAndKeyForms) {
  EXPECT_EQ(net("10.1.0.0/16").to_string(), "10.1.0.0/16");
  auto key = Ip4Net::parse_key("10.1.5.0-24");
  ASSERT_TRUE(key);
  EXPECT_EQ(*key, net("10.1.5.0/24"));
  EXPECT_EQ(key->to_key(), "10.1.5.0-24");
  EXPECT_FALSE(Ip4Net::parse("10.1.0.0/33"));
  EXPECT_FALSE(Ip4Net::parse("10.1.0.0"));
  EXPECT_FALSE(Ip4Net::parse("10.1.0.0/"));
  EXPECT_FALSE(Ip4Net::parse_key("10.1.5.0/24"));
}

TEST(Ip4Net, KeepsHostBitsUntilMasked) {
  const Ip4Net given = net("10.1.5.7/24");
  EXPECT_EQ(given.ip, ip("10.1.5.7"));
  EXPECT_FALSE(given.aligned());
  EXPECT_EQ(given.network(), net("10.1.5.0/24"));
  EXPECT_TRUE(given.network().aligned());
  EXPECT_EQ(given.first(), ip("10.1.5.0"));
  EXPECT_EQ(given.last(), ip("10.1.5.255"));
}

TEST(Ip4Net, MaskAndSize) {
  EXPECT_EQ(net("0.0.0.0/0").mask(), 0u);
  EXPECT_EQ(net("0.0.0.0/0").size(), uint64_t{1} << 32);
  EXPECT_EQ(net("10.0.0.0/8").mask(), 0xff000000u);
  EXPECT_EQ(net("10.0.0.1/32").size(), 1u);
  EXPECT_EQ(net("10.5.0.0/20").size(), 4096u);
}

TEST(Ip4Net, ContainsAndOverlaps) {
  const Ip4Net n = net("10.5.0.0/20");
  EXPECT_TRUE(n.contains(ip("10.5.15.255")));
  EXPECT_FALSE(n.contains(ip("10.5.16.0")));
  EXPECT_TRUE(n.contains(net("10.5.3.0/24")));
  EXPECT_FALSE(n.contains(net("10.5.0.0/16")));
  EXPECT_TRUE(net("10.5.3.0/24").overlaps(n));
  EXPECT_TRUE(n.overlaps(net("10.5.3.0/24")));
  EXPECT_FALSE(net("10.5.3.0/24").overlaps(net("10.5.4.0/24")));
  EXPECT_TRUE(net("10.5.3.0/24").overlaps(net("10.5.3.128/25")));
}

TEST(Ip4Net, OrdersByAddressThenPrefix) {
  EXPECT_LT(net("10.1.1.0/24"), net("10.1.2.0/24"));
  EXPECT_LT(net("10.1.1.0/16"), net("10.1.1.0/24"));
}

}  // namespace
}  // namespace corestack::flannel
