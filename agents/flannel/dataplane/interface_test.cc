// Choosing the external interface: the pure address choice, then the kernel lookups in a
// throwaway namespace (default route, -iface as a name or an IP, -public-ip, the errors).
#include "agents/flannel/dataplane/interface.h"

#include <gtest/gtest.h>

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

TEST(ChooseInterfaceAddress, PrefersGlobalThenLinkLocal) {
  EXPECT_EQ(choose_interface_address({{net("169.254.1.1/16")}, {net("10.0.0.5/8")}}),
            ip("10.0.0.5"));
  EXPECT_EQ(choose_interface_address({{net("169.254.1.1/16")}, {net("169.254.2.2/16")}}),
            ip("169.254.2.2"));  // flannel keeps the last link-local one
  EXPECT_EQ(choose_interface_address({{net("127.0.0.1/8")}}), std::nullopt);
  EXPECT_EQ(choose_interface_address({}), std::nullopt);
  EXPECT_EQ(choose_interface_address({{net("224.0.0.1/4")}, {net("192.168.1.9/24")}}),
            ip("192.168.1.9"));
}

class PickExternalInterface : public ::testing::Test {
 protected:
  void SetUp() override {
    FLANNEL_SKIP_UNLESS(testing::netns_unavailable());
    hosts_ = std::make_unique<TwoHosts>();
    in_ = std::make_unique<ScopedNetns>(hosts_->a);
    netlink_ = std::make_unique<Netlink>();
    testing::add_veth(*netlink_, "eth1", "peer1");
    eth1_ = netlink_->link("eth1").index;
  }
  void TearDown() override {
    netlink_.reset();
    in_.reset();
    hosts_.reset();
  }

  std::string error_of(const std::string& iface, const std::string& public_ip = "") {
    try {
      pick_external_interface(*netlink_, iface, public_ip);
    } catch (const std::runtime_error& error) {
      return error.what();
    }
    return "no error";
  }

  std::unique_ptr<TwoHosts> hosts_;
  std::unique_ptr<ScopedNetns> in_;
  std::unique_ptr<Netlink> netlink_;
  int eth1_ = 0;
};

TEST_F(PickExternalInterface, DefaultsToTheDefaultRouteInterface) {
  const auto external = pick_external_interface(*netlink_, "", "");
  EXPECT_EQ(external.name, "eth0");
  EXPECT_EQ(external.index, netlink_->link("eth0").index);
  EXPECT_EQ(external.address, TwoHosts::address_a());
  EXPECT_EQ(external.public_ip, TwoHosts::address_a());
  EXPECT_EQ(external.mtu, 1500);
}

TEST_F(PickExternalInterface, ByNameOrByAddress) {
  netlink_->replace_address(eth1_, net("169.254.9.9/16"));
  netlink_->replace_address(eth1_, net("172.20.0.1/24"));
  netlink_->replace_address(eth1_, net("172.20.0.2/24"));
  auto by_name = pick_external_interface(*netlink_, "eth1", "");
  EXPECT_EQ(by_name.index, eth1_);
  EXPECT_EQ(by_name.address, ip("172.20.0.1"));
  auto by_ip = pick_external_interface(*netlink_, "172.20.0.2", "");
  EXPECT_EQ(by_ip.name, "eth1");
  EXPECT_EQ(by_ip.address, ip("172.20.0.2"));  // the address asked for, not the first
}

TEST_F(PickExternalInterface, LinkLocalWhenNothingElse) {
  netlink_->replace_address(eth1_, net("169.254.9.9/16"));
  EXPECT_EQ(pick_external_interface(*netlink_, "eth1", "").address, ip("169.254.9.9"));
}

TEST_F(PickExternalInterface, PublicIpOverridesTheAdvertisedAddress) {
  auto external = pick_external_interface(*netlink_, "eth0", "203.0.113.7");
  EXPECT_EQ(external.address, TwoHosts::address_a());
  EXPECT_EQ(external.public_ip, ip("203.0.113.7"));
}

TEST_F(PickExternalInterface, Errors) {
  EXPECT_NE(error_of("eth1").find("No IPv4 address found for given interface"), std::string::npos);
  EXPECT_NE(error_of("nosuch0").find("error looking up interface nosuch0"), std::string::npos);
  EXPECT_NE(error_of("10.99.0.1").find("no interface with given IP found"), std::string::npos);
  EXPECT_EQ(error_of("eth0", "not-an-ip"), "invalid public IP address: not-an-ip");
  netlink_->delete_route({net("0.0.0.0/0"), ip("192.168.50.254"), 0, false});
  EXPECT_EQ(error_of(""), "failed to get default interface: no default route");
}

}  // namespace
}  // namespace corestack::flannel
