// Backend selection by the config's type; building a backend touches no kernel state.
#include "agents/flannel/dataplane/make_backend.h"

#include <gtest/gtest.h>

#include "agents/flannel/dataplane/hostgw_backend.h"
#include "agents/flannel/dataplane/udp_backend.h"
#include "agents/flannel/dataplane/vxlan_backend.h"

namespace corestack::flannel {
namespace {

TEST(MakeBackend, ChoosesByTypeIgnoringCase) {
  EXPECT_NE(dynamic_cast<UdpBackend*>(make_backend({}).get()), nullptr);  // no Backend: udp
  EXPECT_NE(dynamic_cast<UdpBackend*>(make_backend({.type = "UDP"}).get()), nullptr);
  EXPECT_NE(dynamic_cast<HostGwBackend*>(make_backend({.type = "host-gw"}).get()), nullptr);
  auto vxlan = make_backend({.type = "VXLAN", .vni = 42});
  ASSERT_NE(dynamic_cast<VxlanBackend*>(vxlan.get()), nullptr);
  EXPECT_EQ(dynamic_cast<VxlanBackend&>(*vxlan).device_name(), "flannel.42");
}

TEST(MakeBackend, RejectsUnknownTypes) {
  try {
    make_backend({.type = "aws-vpc"});
    FAIL() << "no exception";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "unknown backend type: aws-vpc");
  }
}

}  // namespace
}  // namespace corestack::flannel
