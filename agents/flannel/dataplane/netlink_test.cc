// Netlink against the kernel, in a throwaway network namespace: every write is read back
// through the list calls, and the vxlan attributes also through `ip -d -j link`.
#include "agents/flannel/dataplane/netlink.h"

#include <gtest/gtest.h>
#include <linux/neighbour.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "agents/flannel/dataplane/testing/netns.h"

namespace corestack::flannel {
namespace {

using testing::Netns;
using testing::ScopedNetns;

Ip4 ip(const char* text) {
  return *Ip4::parse(text);
}
Ip4Net net(const char* text) {
  return *Ip4Net::parse(text);
}
MacAddress mac(const char* text) {
  return *MacAddress::parse(text);
}

TEST(MacAddress, ParsesAndFormatsLowercase) {
  auto parsed = MacAddress::parse("82:4B:b6:2f:54:4e");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->to_string(), "82:4b:b6:2f:54:4e");
  EXPECT_FALSE(MacAddress::parse("82:4b:b6:2f:54"));
  EXPECT_FALSE(MacAddress::parse("82-4b-b6-2f-54-4e"));
  EXPECT_FALSE(MacAddress::parse("82:4b:b6:2f:54:4g"));
}

class NetlinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FLANNEL_SKIP_UNLESS(testing::netns_unavailable());
    ns_ = std::make_unique<Netns>();
    in_ = std::make_unique<ScopedNetns>(*ns_);
    netlink_ = std::make_unique<Netlink>();
    testing::add_veth(*netlink_, "eth0", "peer0");
    eth0_ = netlink_->link("eth0").index;
    netlink_->set_link_up(eth0_);
    netlink_->set_link_up(netlink_->link("peer0").index);
  }
  void TearDown() override {
    netlink_.reset();
    in_.reset();
    ns_.reset();
  }

  std::unique_ptr<Netns> ns_;
  std::unique_ptr<ScopedNetns> in_;
  std::unique_ptr<Netlink> netlink_;
  int eth0_ = 0;
};

TEST_F(NetlinkTest, FindsLinksByNameAndIndex) {
  auto by_name = netlink_->find_link("eth0");
  ASSERT_TRUE(by_name);
  EXPECT_EQ(by_name->type, "veth");
  EXPECT_EQ(by_name->mtu, 1500);
  EXPECT_TRUE(by_name->up);
  EXPECT_TRUE(by_name->mac);
  EXPECT_EQ(netlink_->link(eth0_).name, "eth0");
  EXPECT_FALSE(netlink_->find_link("nosuch0"));
  EXPECT_FALSE(netlink_->find_link(9999));
  try {
    netlink_->link("nosuch0");
    FAIL() << "no exception";
  } catch (const NetlinkError& error) {
    EXPECT_TRUE(error.not_found());
    EXPECT_NE(std::string(error.what()).find("get link nosuch0"), std::string::npos);
  }
}

TEST_F(NetlinkTest, AddressesAndMtu) {
  netlink_->replace_address(eth0_, net("192.168.7.1/24"));
  netlink_->replace_address(eth0_, net("192.168.7.1/24"));  // replace: no EEXIST
  netlink_->replace_address(eth0_, net("169.254.3.4/16"));
  auto addresses = netlink_->addresses(eth0_);
  ASSERT_EQ(addresses.size(), 2u);
  EXPECT_EQ(addresses[0].address, net("192.168.7.1/24"));
  netlink_->delete_address(eth0_, net("169.254.3.4/16"));
  EXPECT_EQ(netlink_->addresses(eth0_).size(), 1u);
  netlink_->set_link_mtu(eth0_, 1400);
  EXPECT_EQ(netlink_->link(eth0_).mtu, 1400);
}

TEST_F(NetlinkTest, RoutesReplaceListLookupDelete) {
  netlink_->replace_address(eth0_, net("192.168.7.1/24"));
  const Route via_gateway{net("10.9.0.0/16"), ip("192.168.7.2"), 0, false};
  netlink_->replace_route(via_gateway);
  const Route onlink{net("10.8.1.0/24"), ip("10.8.1.0"), eth0_, true};
  netlink_->replace_route(onlink);
  netlink_->add_route({net("0.0.0.0/0"), ip("192.168.7.254"), eth0_, false});
  auto routes = netlink_->routes();
  auto has = [&](const Route& want) {
    return std::any_of(routes.begin(), routes.end(), [&](const Route& r) {
      return r.dst == want.dst && r.gateway == want.gateway && r.onlink == want.onlink;
    });
  };
  EXPECT_TRUE(has({net("10.9.0.0/16"), ip("192.168.7.2"), eth0_, false}));
  EXPECT_TRUE(has(onlink));
  EXPECT_EQ(netlink_->default_route_interface(), eth0_);
  try {
    netlink_->add_route(via_gateway);
    FAIL() << "no exception";
  } catch (const NetlinkError& error) {
    EXPECT_TRUE(error.exists()) << error.what();
  }
  auto looked_up = netlink_->lookup_route(ip("10.9.3.4"));
  EXPECT_EQ(looked_up.gateway, ip("192.168.7.2"));
  EXPECT_EQ(looked_up.ifindex, eth0_);
  EXPECT_FALSE(netlink_->lookup_route(ip("192.168.7.9")).gateway);
  netlink_->delete_route(via_gateway);
  netlink_->delete_route(onlink);
  routes = netlink_->routes();
  EXPECT_FALSE(has(onlink));
  EXPECT_FALSE(has({net("10.9.0.0/16"), ip("192.168.7.2"), eth0_, false}));
}

TEST_F(NetlinkTest, NeighboursReplaceListDelete) {
  netlink_->replace_neighbour(eth0_, ip("10.8.1.0"), mac("82:4b:b6:2f:54:4e"));
  netlink_->replace_neighbour(eth0_, ip("10.8.1.0"), mac("82:4b:b6:2f:54:4f"));
  auto neighbours = netlink_->neighbours(eth0_);
  ASSERT_EQ(neighbours.size(), 1u);
  EXPECT_EQ(neighbours[0].ip, ip("10.8.1.0"));
  EXPECT_EQ(neighbours[0].mac, mac("82:4b:b6:2f:54:4f"));
  EXPECT_EQ(neighbours[0].state, NUD_PERMANENT);
  netlink_->delete_neighbour(eth0_, ip("10.8.1.0"));
  EXPECT_TRUE(netlink_->neighbours(eth0_).empty());
}

TEST(NetlinkVxlan, CreatesVxlanAndProgramsFdb) {
  FLANNEL_SKIP_UNLESS(testing::vxlan_unavailable());
  Netns ns;
  ScopedNetns in(ns);
  Netlink netlink;
  testing::add_veth(netlink, "eth0", "peer0");
  const int eth0 = netlink.link("eth0").index;
  netlink.replace_address(eth0, net("192.168.7.1/24"));
  const VxlanAttrs attrs{7, ip("192.168.7.1"), eth0, 4789, false, true};
  auto link = netlink.create_vxlan({"vx7", attrs});
  EXPECT_EQ(link.type, "vxlan");
  ASSERT_TRUE(link.vxlan);
  EXPECT_EQ(*link.vxlan, attrs);
  EXPECT_EQ(link.mtu, 1450);
  // Read back independently of libnl's parser.
  auto shown = nlohmann::json::parse(testing::shell("ip -d -j link show vx7"));
  const auto& data = shown.at(0).at("linkinfo").at("info_data");
  EXPECT_EQ(data.at("id"), 7);
  EXPECT_EQ(data.at("port"), 4789);
  EXPECT_EQ(data.at("learning"), false);
  EXPECT_EQ(data.at("local"), "192.168.7.1");

  netlink.add_fdb(link.index, mac("82:4b:b6:2f:54:4e"), ip("192.168.7.2"));
  netlink.add_fdb(link.index, mac("82:4b:b6:2f:54:4e"), ip("192.168.7.3"));  // moved host
  auto vteps = netlink.fdb(link.index);
  auto entry = std::find_if(vteps.begin(), vteps.end(), [](const FdbEntry& e) { return e.dst; });
  ASSERT_NE(entry, vteps.end());
  EXPECT_EQ(entry->mac, mac("82:4b:b6:2f:54:4e"));
  EXPECT_EQ(entry->dst, ip("192.168.7.3"));
  EXPECT_EQ(entry->state & NUD_PERMANENT, NUD_PERMANENT);
  EXPECT_EQ(std::count_if(vteps.begin(), vteps.end(), [](const FdbEntry& e) { return e.dst; }), 1);
  netlink.delete_fdb(link.index, mac("82:4b:b6:2f:54:4e"), ip("192.168.7.3"));
  vteps = netlink.fdb(link.index);
  EXPECT_EQ(std::count_if(vteps.begin(), vteps.end(), [](const FdbEntry& e) { return e.dst; }), 0);
  netlink.delete_link(link.index);
  EXPECT_FALSE(netlink.find_link("vx7"));
}

}  // namespace
}  // namespace corestack::flannel
