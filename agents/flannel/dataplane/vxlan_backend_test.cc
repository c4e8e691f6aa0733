// The vxlan backend against the kernel: two throwaway namespaces ("hosts") joined by a veth;
// the state each lease event leaves on flannel.1 is read back through netlink dumps, and
// the last test sends pings through the tunnel.
#include "agents/flannel/dataplane/vxlan_backend.h"

#include <gtest/gtest.h>
#include <linux/neighbour.h>

#include <algorithm>

#include "agents/flannel/dataplane/interface.h"
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
const MacAddress kMacB = *MacAddress::parse("82:4b:b6:2f:54:4e");
const MacAddress kMacC = *MacAddress::parse("82:4b:b6:2f:54:4f");

Lease vxlan_lease(const char* subnet, Ip4 public_ip, const MacAddress& vtep) {
  Lease lease;
  lease.subnet = net(subnet);
  lease.attrs = {public_ip, "vxlan", vxlan_backend_data(vtep)};
  return lease;
}

LeaseEvent added(const Lease& lease) {
  return {LeaseEvent::added, lease};
}
LeaseEvent removed(const Lease& lease) {
  return {LeaseEvent::removed, lease};
}

TEST(VxlanBackendData, RoundTripsTheVtepMac) {
  EXPECT_EQ(vxlan_backend_data(kMacB), R"({"VtepMAC":"82:4b:b6:2f:54:4e"})");
  EXPECT_EQ(parse_vtep_mac(R"({"VtepMAC":"82:4B:B6:2F:54:4E"})"), kMacB);
  EXPECT_EQ(parse_vtep_mac(R"({"vtepmac":"82:4b:b6:2f:54:4e"})"), kMacB);  // Go: any case
  EXPECT_FALSE(parse_vtep_mac(""));
  EXPECT_FALSE(parse_vtep_mac(R"({"VtepMAC":42})"));
  EXPECT_FALSE(parse_vtep_mac(R"({"VtepMAC":"nope"})"));
}

class VxlanBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FLANNEL_SKIP_UNLESS(testing::vxlan_unavailable());
    hosts_ = std::make_unique<TwoHosts>();
    in_ = std::make_unique<ScopedNetns>(hosts_->a);
    netlink_ = std::make_unique<Netlink>();
    external_ = pick_external_interface(*netlink_, "eth0", "");
  }
  void TearDown() override {
    netlink_.reset();
    in_.reset();
    hosts_.reset();
  }

  // A started backend for lease 10.5.1.0/24 on host A.
  std::unique_ptr<VxlanBackend> started(VxlanSettings settings = {}) {
    auto backend = std::make_unique<VxlanBackend>(settings);
    backend->prepare(external_);
    backend->start(vxlan_lease("10.5.1.0/24", external_.public_ip, backend->vtep_mac()), kNetwork);
    return backend;
  }

  bool has_neighbour(int dev, const char* address, const MacAddress& vtep) {
    auto all = netlink_->neighbours(dev);
    return std::any_of(all.begin(), all.end(), [&](const Neighbour& n) {
      return n.ip == ip(address) && n.mac == vtep && n.state == NUD_PERMANENT;
    });
  }
  bool has_fdb(int dev, const MacAddress& vtep, Ip4 dst) {
    auto all = netlink_->fdb(dev);
    return std::any_of(all.begin(), all.end(), [&](const FdbEntry& e) {
      return e.mac == vtep && e.dst == dst && (e.flags & NTF_SELF) && (e.state & NUD_PERMANENT);
    });
  }
  size_t fdb_vteps(int dev) {
    auto all = netlink_->fdb(dev);
    return static_cast<size_t>(
        std::count_if(all.begin(), all.end(), [](const FdbEntry& e) { return e.dst; }));
  }
  std::optional<Route> route_to(const char* subnet) {
    for (const auto& route : netlink_->routes()) {
      if (route.dst == net(subnet)) return route;
    }
    return std::nullopt;
  }

  std::unique_ptr<TwoHosts> hosts_;
  std::unique_ptr<ScopedNetns> in_;
  std::unique_ptr<Netlink> netlink_;
  ExternalInterface external_;
};

TEST_F(VxlanBackendTest, CreatesTheDevice) {
  VxlanBackend backend({});
  const LeaseAttrs attrs = backend.prepare(external_);
  const LinkInfo device = netlink_->link("flannel.1");
  EXPECT_TRUE(backend.device_created());
  EXPECT_EQ(backend.device_index(), device.index);
  EXPECT_EQ(attrs.public_ip, TwoHosts::address_a());
  EXPECT_EQ(attrs.backend_type, "vxlan");
  EXPECT_EQ(attrs.backend_data, R"({"VtepMAC":")" + device.mac->to_string() + R"("})");
  EXPECT_EQ(backend.vtep_mac(), *device.mac);
  ASSERT_TRUE(device.vxlan);
  EXPECT_EQ(*device.vxlan,
            (VxlanAttrs{1, TwoHosts::address_a(), external_.index, 8472, false, false}));
  EXPECT_TRUE(device.up);
  EXPECT_EQ(device.mtu, 1450);
  EXPECT_EQ(backend.mtu(), 1450);

  netlink_->replace_address(device.index, net("10.5.77.0/32"));  // left by an older lease
  backend.start(vxlan_lease("10.5.1.0/24", external_.public_ip, backend.vtep_mac()), kNetwork);
  auto addresses = netlink_->addresses(device.index);
  ASSERT_EQ(addresses.size(), 1u);
  EXPECT_EQ(addresses[0].address, net("10.5.1.0/32"));
}

TEST_F(VxlanBackendTest, ReusesACompatibleDevice) {
  auto first = started();
  first->handle({added(vxlan_lease("10.5.2.0/24", TwoHosts::address_b(), kMacB))});
  const MacAddress vtep = first->vtep_mac();
  const int index = first->device_index();
  first.reset();  // flanneld exits: the device and its entries stay

  VxlanBackend second({});
  second.prepare(external_);
  EXPECT_FALSE(second.device_created());
  EXPECT_EQ(second.device_index(), index);
  EXPECT_EQ(second.vtep_mac(), vtep);
  EXPECT_TRUE(has_fdb(index, kMacB, TwoHosts::address_b()));  // traffic undisturbed
}

TEST_F(VxlanBackendTest, RecreatesWhenTheVniDiffers) {
  const LinkInfo foreign = netlink_->create_vxlan(
      {"flannel.1", {5, external_.address, external_.index, 8472, false, false}});
  VxlanBackend backend({});
  backend.prepare(external_);
  EXPECT_TRUE(backend.device_created());
  const LinkInfo device = netlink_->link("flannel.1");
  EXPECT_NE(device.index, foreign.index);
  EXPECT_EQ(device.vxlan->vni, 1u);
}

TEST_F(VxlanBackendTest, RecreatesWhenThePortDiffers) {
  const int before = started()->device_index();
  VxlanBackend backend({.vni = 1, .port = 4789});
  const LeaseAttrs attrs = backend.prepare(external_);
  const LinkInfo device = netlink_->link("flannel.1");
  EXPECT_TRUE(backend.device_created());
  EXPECT_NE(device.index, before);
  EXPECT_EQ(device.vxlan->port, 4789);
  EXPECT_EQ(attrs.backend_data, vxlan_backend_data(*device.mac));  // the new MAC is published
}

TEST_F(VxlanBackendTest, AddedAndRemovedLeasesProgramTheKernel) {
  auto backend = started();
  const int dev = backend->device_index();
  const Lease lease_b = vxlan_lease("10.5.2.0/24", TwoHosts::address_b(), kMacB);
  backend->handle({added(lease_b)});
  EXPECT_TRUE(has_neighbour(dev, "10.5.2.0", kMacB));
  EXPECT_TRUE(has_fdb(dev, kMacB, TwoHosts::address_b()));
  EXPECT_EQ(route_to("10.5.2.0/24"), (Route{net("10.5.2.0/24"), ip("10.5.2.0"), dev, true}));

  backend->handle({added(lease_b)});  // a renewal: same state, no error
  EXPECT_EQ(fdb_vteps(dev), 1u);

  backend->handle({removed(lease_b)});
  EXPECT_TRUE(netlink_->neighbours(dev).empty());
  EXPECT_EQ(fdb_vteps(dev), 0u);
  EXPECT_FALSE(route_to("10.5.2.0/24"));
}

TEST_F(VxlanBackendTest, AChangedVtepMacReplacesTheOldEntries) {
  auto backend = started();
  const int dev = backend->device_index();
  backend->handle({added(vxlan_lease("10.5.2.0/24", TwoHosts::address_b(), kMacB))});
  backend->handle({added(vxlan_lease("10.5.2.0/24", TwoHosts::address_b(), kMacC))});
  EXPECT_TRUE(has_neighbour(dev, "10.5.2.0", kMacC));
  EXPECT_TRUE(has_fdb(dev, kMacC, TwoHosts::address_b()));
  EXPECT_EQ(fdb_vteps(dev), 1u);
}

TEST_F(VxlanBackendTest, UndoesEarlierStepsWhenTheRouteFails) {
  auto backend = started();
  backend->handle({});  // the initial snapshot, so the next batch is not reconciled
  const int dev = backend->device_index();
  // The kernel refuses a gateway that is a local address ("Nexthop has invalid gateway"),
  // so step 3 fails after steps 1 and 2 succeeded.
  netlink_->replace_address(external_.index, net("10.5.9.0/32"));
  backend->handle({added(vxlan_lease("10.5.9.0/24", TwoHosts::address_b(), kMacB)),
                   added(vxlan_lease("10.5.3.0/24", TwoHosts::address_b(), kMacC))});
  EXPECT_FALSE(route_to("10.5.9.0/24"));
  EXPECT_FALSE(has_neighbour(dev, "10.5.9.0", kMacB));
  EXPECT_FALSE(has_fdb(dev, kMacB, TwoHosts::address_b()));
  // One bad lease does not stop the others.
  EXPECT_TRUE(route_to("10.5.3.0/24"));
  EXPECT_TRUE(has_fdb(dev, kMacC, TwoHosts::address_b()));
}

TEST_F(VxlanBackendTest, IgnoresLeasesOfOtherBackends) {
  auto backend = started();
  Lease host_gw = vxlan_lease("10.5.2.0/24", TwoHosts::address_b(), kMacB);
  host_gw.attrs.backend_type = "host-gw";
  backend->handle({added(host_gw)});
  EXPECT_FALSE(route_to("10.5.2.0/24"));
  EXPECT_EQ(fdb_vteps(backend->device_index()), 0u);
}

TEST_F(VxlanBackendTest, TheFirstBatchRemovesStaleEntries) {
  const Lease kept = vxlan_lease("10.5.2.0/24", TwoHosts::address_b(), kMacB);
  const Lease gone = vxlan_lease("10.5.3.0/24", ip("192.168.50.3"), kMacC);
  auto first = started();
  first->handle({added(kept), added(gone)});
  const int dev = first->device_index();
  first.reset();

  auto second = started();  // restart: `gone` expired meanwhile
  ASSERT_EQ(second->device_index(), dev);
  second->handle({added(kept)});
  EXPECT_TRUE(has_neighbour(dev, "10.5.2.0", kMacB));
  EXPECT_TRUE(has_fdb(dev, kMacB, TwoHosts::address_b()));
  EXPECT_TRUE(route_to("10.5.2.0/24"));
  EXPECT_FALSE(has_neighbour(dev, "10.5.3.0", kMacC));
  EXPECT_FALSE(has_fdb(dev, kMacC, ip("192.168.50.3")));
  EXPECT_FALSE(route_to("10.5.3.0/24"));
}

TEST_F(VxlanBackendTest, DirectRoutingUsesThePublicIpOnTheSameSegment) {
  auto backend = started({.vni = 1, .direct_routing = true});
  const int dev = backend->device_index();
  const Lease same_l2 = vxlan_lease("10.5.2.0/24", TwoHosts::address_b(), kMacB);
  const Lease routed = vxlan_lease("10.5.3.0/24", ip("172.16.0.5"), kMacC);  // via the gateway
  backend->handle({added(same_l2), added(routed)});
  EXPECT_EQ(route_to("10.5.2.0/24"),
            (Route{net("10.5.2.0/24"), TwoHosts::address_b(), external_.index, false}));
  EXPECT_FALSE(has_neighbour(dev, "10.5.2.0", kMacB));
  EXPECT_EQ(route_to("10.5.3.0/24"), (Route{net("10.5.3.0/24"), ip("10.5.3.0"), dev, true}));
  backend->handle({removed(same_l2), removed(routed)});
  EXPECT_FALSE(route_to("10.5.2.0/24"));
  EXPECT_FALSE(route_to("10.5.3.0/24"));
}

// Each host: flannel.1 programmed for the other's lease, and a bridge holding the first
// container-side address of its own subnet (docker0 --bip=FLANNEL_SUBNET).
TEST_F(VxlanBackendTest, TwoHostsPingThroughTheTunnel) {
  auto backend_a = started();
  const Lease lease_a = vxlan_lease("10.5.1.0/24", TwoHosts::address_a(), backend_a->vtep_mac());
  testing::add_bridge(*netlink_, "cbr0");
  netlink_->replace_address(netlink_->link("cbr0").index, net("10.5.1.1/24"));
  netlink_->set_link_up(netlink_->link("cbr0").index);

  std::unique_ptr<VxlanBackend> backend_b;
  Lease lease_b;
  {
    ScopedNetns in_b(hosts_->b);
    Netlink netlink_b;
    backend_b = std::make_unique<VxlanBackend>(VxlanSettings{});
    backend_b->prepare(pick_external_interface(netlink_b, "eth0", ""));
    lease_b = vxlan_lease("10.5.2.0/24", TwoHosts::address_b(), backend_b->vtep_mac());
    backend_b->start(lease_b, kNetwork);
    backend_b->handle({added(lease_a)});
    testing::add_bridge(netlink_b, "cbr0");
    netlink_b.replace_address(netlink_b.link("cbr0").index, net("10.5.2.1/24"));
    netlink_b.set_link_up(netlink_b.link("cbr0").index);
  }
  backend_a->handle({added(lease_b)});

  EXPECT_TRUE(testing::ping(ip("10.5.1.1"), ip("10.5.2.1")));  // container side to container side
  EXPECT_TRUE(testing::ping(ip("10.5.1.0"), ip("10.5.2.0")));  // VTEP to VTEP

  backend_a->handle({removed(lease_b)});
  EXPECT_FALSE(testing::ping(ip("10.5.1.1"), ip("10.5.2.1"), std::chrono::milliseconds(300)));
  ScopedNetns in_b(hosts_->b);
  backend_b.reset();  // destroyed in its own namespace, like every other netlink user
}

}  // namespace
}  // namespace corestack::flannel
