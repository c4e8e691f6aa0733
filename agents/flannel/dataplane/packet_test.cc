// The udp proxy's packet arithmetic: TTL decrement with the incremental checksum (checked
// against a full recomputation), and the ICMP net-unreachable reply.
#include <gtest/gtest.h>

#include <random>

#include "agents/flannel/dataplane/udp_backend.h"

namespace corestack::flannel {
namespace {

// A 20-byte IPv4 header (+ payload) with a valid checksum.
std::vector<uint8_t> packet(uint8_t ttl, uint8_t protocol, uint16_t fragment = 0,
                            size_t payload = 12) {
  std::vector<uint8_t> bytes(20 + payload, 0xab);
  const uint8_t header[20] = {0x45,
                              0,
                              0,
                              static_cast<uint8_t>(20 + payload),
                              0x12,
                              0x34,
                              static_cast<uint8_t>(fragment >> 8),
                              static_cast<uint8_t>(fragment),
                              ttl,
                              protocol,
                              0,
                              0,
                              10,
                              5,
                              1,
                              7,
                              10,
                              5,
                              2,
                              9};
  std::copy(std::begin(header), std::end(header), bytes.begin());
  const uint16_t sum = ipv4_checksum(std::span(bytes).first(20));
  bytes[10] = static_cast<uint8_t>(sum >> 8);
  bytes[11] = static_cast<uint8_t>(sum & 0xff);
  return bytes;
}

TEST(UdpPacket, DestinationOfIpv4Only) {
  EXPECT_EQ(ipv4_destination(packet(64, 6)), Ip4::parse("10.5.2.9"));
  auto ipv6 = packet(64, 6);
  ipv6[0] = 0x60;
  EXPECT_FALSE(ipv4_destination(ipv6));
  EXPECT_FALSE(ipv4_destination(std::vector<uint8_t>(19, 0x45)));
  auto long_header = packet(64, 6, 0, 0);
  long_header[0] = 0x46;  // says 24 bytes, has 20
  EXPECT_FALSE(ipv4_destination(long_header));
}

TEST(UdpPacket, DecrementTtlKeepsTheChecksumValid) {
  std::mt19937 random(42);
  for (int i = 0; i < 2000; ++i) {
    auto bytes = packet(static_cast<uint8_t>(2 + random() % 254), static_cast<uint8_t>(random()));
    for (size_t at : {4u, 5u, 12u, 13u, 14u, 15u, 16u, 17u, 18u, 19u}) {
      bytes[at] = static_cast<uint8_t>(random());
    }
    bytes[10] = bytes[11] = 0;
    const uint16_t sum = ipv4_checksum(std::span(bytes).first(20));
    bytes[10] = static_cast<uint8_t>(sum >> 8);
    bytes[11] = static_cast<uint8_t>(sum & 0xff);
    const uint8_t ttl = bytes[8];
    ASSERT_TRUE(decrement_ttl(bytes));
    EXPECT_EQ(bytes[8], ttl - 1);
    EXPECT_EQ(ipv4_checksum(std::span(bytes).first(20)), 0) << "iteration " << i;
  }
}

TEST(UdpPacket, DropsAtZeroTtl) {
  auto last_hop = packet(1, 6);
  EXPECT_FALSE(decrement_ttl(last_hop));
  auto expired = packet(0, 6);
  EXPECT_FALSE(decrement_ttl(expired));
  auto short_packet = std::vector<uint8_t>(10, 0x45);
  EXPECT_FALSE(decrement_ttl(short_packet));
}

TEST(UdpPacket, NetUnreachableQuotesTheHeaderAndEightBytes) {
  const auto original = packet(64, 17, 0, 30);
  const auto reply = icmp_net_unreachable(original, *Ip4::parse("10.5.1.0"));
  ASSERT_EQ(reply.size(), 20u + 8u + 28u);
  EXPECT_EQ(ipv4_checksum(std::span(reply).first(20)), 0);
  EXPECT_EQ(ipv4_destination(reply), Ip4::parse("10.5.1.7"));  // back to the sender
  EXPECT_EQ(std::vector<uint8_t>(reply.begin() + 12, reply.begin() + 16),
            (std::vector<uint8_t>{10, 5, 1, 0}));
  EXPECT_EQ(reply[9], 1);   // ICMP
  EXPECT_EQ(reply[20], 3);  // destination unreachable
  EXPECT_EQ(reply[21], 0);  // net unreachable
  EXPECT_EQ(ipv4_checksum(std::span(reply).subspan(20)), 0);
  EXPECT_TRUE(std::equal(original.begin(), original.begin() + 28, reply.begin() + 28));
}

TEST(UdpPacket, NoUnreachableForIcmpOrLaterFragments) {
  EXPECT_TRUE(icmp_net_unreachable(packet(64, 1), Ip4{}).empty());
  EXPECT_TRUE(icmp_net_unreachable(packet(64, 17, 0x00b9), Ip4{}).empty());
  EXPECT_FALSE(icmp_net_unreachable(packet(64, 17, 0x2000), Ip4{}).empty());  // MF, offset 0
}

}  // namespace
}  // namespace corestack::flannel
