// The host-gw backend against the kernel, in a throwaway namespace. Routes that must have
// been left alone are told apart from ours by their protocol (`ip -j route`: static for the
// test's own, boot for the backend's).
#include "agents/flannel/dataplane/hostgw_backend.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "agents/flannel/dataplane/interface.h"
#include "agents/flannel/dataplane/testing/netns.h"

namespace corestack::flannel {
namespace {

using testing::ScopedNetns;
using testing::TwoHosts;

Ip4 ip(const char* text) {
  return *Ip4::parse(text);
}
Ip4Net net(const char* text) {
  return *Ip4Net::parse(text);
}

Lease host_gw_lease(const char* subnet, const char* public_ip) {
  Lease lease;
  lease.subnet = net(subnet);
  lease.attrs = {ip(public_ip), "host-gw", ""};
  return lease;
}

LeaseEvent added(const Lease& lease) {
  return {LeaseEvent::added, lease};
}
LeaseEvent removed(const Lease& lease) {
  return {LeaseEvent::removed, lease};
}

// `ip -j route show <dst>`: one {"gateway": ..., "protocol": ...} per route.
nlohmann::json routes_to(const std::string& dst) {
  return nlohmann::json::parse(testing::shell("ip -j route show " + dst));
}

class HostGwBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FLANNEL_SKIP_UNLESS(testing::netns_unavailable());
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

  std::unique_ptr<HostGwBackend> started() {
    auto backend = std::make_unique<HostGwBackend>();
    const LeaseAttrs attrs = backend->prepare(external_);
    EXPECT_EQ(attrs, (LeaseAttrs{TwoHosts::address_a(), "host-gw", ""}));
    backend->start(host_gw_lease("10.5.1.0/24", "192.168.50.1"), net("10.5.0.0/16"));
    return backend;
  }

  std::unique_ptr<TwoHosts> hosts_;
  std::unique_ptr<ScopedNetns> in_;
  std::unique_ptr<Netlink> netlink_;
  ExternalInterface external_;
};

TEST_F(HostGwBackendTest, RefusesANattedPublicIp) {
  HostGwBackend backend;
  external_.public_ip = ip("203.0.113.7");
  try {
    backend.prepare(external_);
    FAIL() << "no exception";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what())
                  .find("probably you're on a NAT, which is not supported by host-gw"),
              std::string::npos);
  }
}

TEST_F(HostGwBackendTest, AddsReplacesSkipsAndDeletesRoutes) {
  testing::shell("ip route add 10.5.3.0/24 via 192.168.50.3 proto static");
  testing::shell("ip route add 10.5.4.0/24 via 192.168.50.4 proto static");
  auto backend = started();
  EXPECT_EQ(backend->mtu(), 1500);
  const Lease fresh = host_gw_lease("10.5.2.0/24", "192.168.50.2");
  const Lease moved = host_gw_lease("10.5.3.0/24", "192.168.50.33");
  const Lease same = host_gw_lease("10.5.4.0/24", "192.168.50.4");
  Lease vxlan = host_gw_lease("10.5.5.0/24", "192.168.50.5");
  vxlan.attrs.backend_type = "vxlan";
  backend->handle({added(fresh), added(moved), added(same), added(vxlan)});

  auto route = routes_to("10.5.2.0/24");
  ASSERT_EQ(route.size(), 1u);
  EXPECT_EQ(route[0].at("gateway"), "192.168.50.2");
  EXPECT_EQ(route[0].at("dev"), "eth0");  // chosen by the kernel
  route = routes_to("10.5.3.0/24");
  ASSERT_EQ(route.size(), 1u);
  EXPECT_EQ(route[0].at("gateway"), "192.168.50.33");
  route = routes_to("10.5.4.0/24");
  ASSERT_EQ(route.size(), 1u);
  EXPECT_EQ(route[0].at("protocol"), "static");  // skipped, not re-added
  EXPECT_TRUE(routes_to("10.5.5.0/24").empty());

  backend->handle({removed(fresh), removed(moved)});
  EXPECT_TRUE(routes_to("10.5.2.0/24").empty());
  EXPECT_TRUE(routes_to("10.5.3.0/24").empty());
}

TEST_F(HostGwBackendTest, RepairRestoresADeletedRoute) {
  auto backend = started();
  backend->handle({added(host_gw_lease("10.5.2.0/24", "192.168.50.2"))});
  netlink_->delete_route({net("10.5.2.0/24"), ip("192.168.50.2"), 0, false});
  ASSERT_TRUE(routes_to("10.5.2.0/24").empty());
  backend->repair();
  auto route = routes_to("10.5.2.0/24");
  ASSERT_EQ(route.size(), 1u);
  EXPECT_EQ(route[0].at("gateway"), "192.168.50.2");
  backend->repair();  // nothing missing: nothing changes
  EXPECT_EQ(routes_to("10.5.2.0/24").size(), 1u);
}

}  // namespace
}  // namespace corestack::flannel
