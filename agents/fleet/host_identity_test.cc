#include "agents/fleet/host_identity.h"

#include <gtest/gtest.h>

namespace corestack::fleet {
namespace {

constexpr const char* kRoutes =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    "eth1\t0000FEA9\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n"
    "eth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n";

TEST(HostIdentity, TheDefaultRouteNamesTheInterface) {
  EXPECT_EQ(default_route_interface(kRoutes), "eth0");
  EXPECT_EQ(default_route_interface("Iface\tDestination\n"), std::nullopt);
  EXPECT_EQ(default_route_interface(""), std::nullopt);
}

TEST(HostIdentity, LoopbackHasNoPublicAddress) {
  EXPECT_EQ(interface_ipv4("lo"), std::nullopt);
  EXPECT_EQ(interface_ipv4("no-such-interface"), std::nullopt);
}

TEST(HostIdentity, AConfiguredAddressWins) {
  EXPECT_EQ(detect_public_ip("10.0.0.7", "/nonexistent"), "10.0.0.7");
  EXPECT_EQ(detect_public_ip("", "/nonexistent"), "");
}

}  // namespace
}  // namespace corestack::fleet
