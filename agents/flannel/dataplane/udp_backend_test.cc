// The udp backend end to end: two throwaway namespaces ("hosts") joined by a veth, each with
// flannel0 and its packet thread, pinging each other's container-side address.
#include "agents/flannel/dataplane/udp_backend.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "agents/flannel/dataplane/interface.h"
#include "agents/flannel/dataplane/netlink.h"
#include "agents/flannel/dataplane/testing/netns.h"

namespace corestack::flannel {
namespace {

using testing::Netns;
using testing::ScopedNetns;
using testing::TwoHosts;

Ip4 ip(const char* text) {
  return *Ip4::parse(text);
}
Ip4Net net(const char* text) {
  return *Ip4Net::parse(text);
}

const Ip4Net kNetwork = *Ip4Net::parse("10.5.0.0/16");

Lease udp_lease(const char* subnet, Ip4 public_ip) {
  Lease lease;
  lease.subnet = net(subnet);
  lease.attrs = {public_ip, "", ""};
  return lease;
}

// Sends one UDP datagram from `source` to `destination` and waits for an ICMP destination
// unreachable / net unreachable about it (a raw ICMP socket sees every ICMP message).
bool net_unreachable_for(Ip4 source, Ip4 destination) {
  const int icmp = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
  const int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in local{AF_INET, 0, {htonl(source.value)}, {}};
  sockaddr_in remote{AF_INET, htons(9), {htonl(destination.value)}, {}};
  bool seen = false;
  if (icmp >= 0 && udp >= 0 &&
      ::bind(udp, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0 &&
      ::sendto(udp, "x", 1, 0, reinterpret_cast<sockaddr*>(&remote), sizeof remote) == 1) {
    pollfd waiting{icmp, POLLIN, 0};
    while (!seen && ::poll(&waiting, 1, 1000) > 0) {
      uint8_t buffer[1500];
      const auto n = ::recv(icmp, buffer, sizeof buffer, 0);
      seen = n >= 28 && buffer[20] == 3 && buffer[21] == 0;
    }
  }
  if (icmp >= 0) ::close(icmp);
  if (udp >= 0) ::close(udp);
  return seen;
}

// One host: its backend started for `subnet`, a bridge with the subnet's first address.
std::unique_ptr<UdpBackend> start_host(const Netns& ns, const char* subnet, const char* bridge_ip) {
  ScopedNetns in(ns);
  Netlink netlink;
  auto backend = std::make_unique<UdpBackend>(UdpBackend::kDefaultPort);
  const auto external = pick_external_interface(netlink, "eth0", "");
  EXPECT_EQ(backend->prepare(external), (LeaseAttrs{external.public_ip, "", ""}));
  backend->start(udp_lease(subnet, external.public_ip), kNetwork);
  testing::add_bridge(netlink, "cbr0");
  netlink.replace_address(netlink.link("cbr0").index, net(bridge_ip));
  netlink.set_link_up(netlink.link("cbr0").index);
  return backend;
}

TEST(UdpBackend, TwoHostsPingThroughFlannel0) {
  FLANNEL_SKIP_UNLESS(testing::tun_unavailable());
  TwoHosts hosts;
  auto a = start_host(hosts.a, "10.5.1.0/24", "10.5.1.1/24");
  auto b = start_host(hosts.b, "10.5.2.0/24", "10.5.2.1/24");
  const Lease lease_a = udp_lease("10.5.1.0/24", TwoHosts::address_a());
  const Lease lease_b = udp_lease("10.5.2.0/24", TwoHosts::address_b());
  b->handle({{LeaseEvent::added, lease_a}});
  a->handle({{LeaseEvent::added, lease_b}});

  ScopedNetns in(hosts.a);
  Netlink netlink;
  const LinkInfo tun = netlink.link("flannel0");
  EXPECT_EQ(a->device_name(), "flannel0");
  EXPECT_EQ(tun.mtu, 1500 - 28);
  EXPECT_EQ(a->mtu(), 1472);
  EXPECT_TRUE(tun.up);
  auto addresses = netlink.addresses(tun.index);
  ASSERT_EQ(addresses.size(), 1u);
  EXPECT_EQ(addresses[0].address, net("10.5.1.0/16"));
  auto routes = netlink.routes();
  EXPECT_TRUE(std::any_of(routes.begin(), routes.end(), [&](const Route& r) {
    return r.dst == kNetwork && r.ifindex == tun.index && !r.gateway;
  }));

  EXPECT_TRUE(testing::ping(ip("10.5.1.1"), ip("10.5.2.1")));
  EXPECT_TRUE(testing::ping(ip("10.5.1.0"), ip("10.5.2.0")));
  // A reply can reach the pinger before the thread that forwarded it counts it, so only
  // the first round trip is certainly counted in the reply direction.
  EXPECT_GE(a->stats().tun_to_udp, 2u);
  EXPECT_GE(a->stats().udp_to_tun, 1u);
  EXPECT_GE(b->stats().udp_to_tun, 2u);
  EXPECT_GE(b->stats().tun_to_udp, 1u);

  a->handle({{LeaseEvent::removed, lease_b}});
  EXPECT_FALSE(testing::ping(ip("10.5.1.1"), ip("10.5.2.1"), std::chrono::milliseconds(300)));
  EXPECT_GE(a->stats().no_route, 1u);
  EXPECT_TRUE(net_unreachable_for(ip("10.5.1.1"), ip("10.5.2.1")));

  a.reset();  // joins the packet thread; flannel0 goes with its fd
  EXPECT_FALSE(netlink.find_link("flannel0"));
}

TEST(UdpBackend, DestroyedBeforeStartIsFine) {
  UdpBackend backend(0);
  EXPECT_EQ(backend.stats().tun_to_udp, 0u);
  EXPECT_EQ(backend.device_name(), "");
}

}  // namespace
}  // namespace corestack::flannel
