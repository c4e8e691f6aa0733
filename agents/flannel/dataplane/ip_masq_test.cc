// ip-masq rules against real iptables, in a throwaway namespace (nat tables are per
// namespace, so nothing reaches the host's rules). State is read back with iptables-save.
#include "agents/flannel/dataplane/ip_masq.h"

#include <gtest/gtest.h>

#include <sstream>

#include "agents/flannel/dataplane/testing/netns.h"

namespace corestack::flannel {
namespace {

using testing::Netns;
using testing::ScopedNetns;

const Ip4Net kNetwork = *Ip4Net::parse("10.5.0.0/16");
const std::string kReturn = "-A POSTROUTING -s 10.5.0.0/16 -d 10.5.0.0/16 -j RETURN";
const std::string kOutbound = "-A POSTROUTING -s 10.5.0.0/16 ! -d 224.0.0.0/4 -j MASQUERADE";
const std::string kInbound = "-A POSTROUTING ! -s 10.5.0.0/16 -d 10.5.0.0/16 -j MASQUERADE";

// The POSTROUTING rules of the nat table, in order.
std::vector<std::string> postrouting() {
  std::istringstream lines(testing::shell("iptables-save -t nat"));
  std::vector<std::string> rules;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("-A POSTROUTING", 0) == 0) rules.push_back(line);
  }
  return rules;
}

class IpMasqTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FLANNEL_SKIP_UNLESS(testing::iptables_unavailable());
    ns_ = std::make_unique<Netns>();
    in_ = std::make_unique<ScopedNetns>(*ns_);
  }
  void TearDown() override {
    in_.reset();
    ns_.reset();
  }
  std::unique_ptr<Netns> ns_;
  std::unique_ptr<ScopedNetns> in_;
};

TEST_F(IpMasqTest, EnsureAppendsTheThreeRulesOnce) {
  testing::shell("iptables -w -t nat -A POSTROUTING -s 172.17.0.0/16 -j MASQUERADE");
  IpMasq masq(*Ip4Net::parse("10.5.3.0/16"));  // host bits are masked away
  masq.ensure();
  masq.ensure();
  EXPECT_EQ(postrouting(),
            (std::vector<std::string>{"-A POSTROUTING -s 172.17.0.0/16 -j MASQUERADE", kReturn,
                                      kOutbound, kInbound}));
}

TEST_F(IpMasqTest, EnsureRestoresADeletedRule) {
  IpMasq masq(kNetwork);
  masq.ensure();
  testing::shell("iptables -w -t nat -D POSTROUTING -s 10.5.0.0/16 ! -d 224.0.0.0/4 -j MASQUERADE");
  ASSERT_EQ(postrouting(), (std::vector<std::string>{kReturn, kInbound}));
  masq.ensure();
  EXPECT_EQ(postrouting(), (std::vector<std::string>{kReturn, kInbound, kOutbound}));
}

TEST_F(IpMasqTest, RemoveDeletesEveryCopyAndNothingElse) {
  testing::shell("iptables -w -t nat -A POSTROUTING -s 172.17.0.0/16 -j MASQUERADE");
  IpMasq masq(kNetwork);
  masq.ensure();
  testing::shell("iptables -w -t nat -A POSTROUTING -s 10.5.0.0/16 -d 10.5.0.0/16 -j RETURN");
  EXPECT_TRUE(masq.remove());
  EXPECT_EQ(postrouting(),
            (std::vector<std::string>{"-A POSTROUTING -s 172.17.0.0/16 -j MASQUERADE"}));
  EXPECT_TRUE(masq.remove());  // nothing left: still fine
}

TEST_F(IpMasqTest, AMissingBinaryIsAnError) {
  IpMasq masq(kNetwork, "/nonexistent/iptables");
  try {
    masq.ensure();
    FAIL() << "no exception";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("cannot run /nonexistent/iptables"), std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(masq.remove());
}

}  // namespace
}  // namespace corestack::flannel
