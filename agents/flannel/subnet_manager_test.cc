#include "agents/flannel/subnet_manager.h"

#include <gtest/gtest.h>

#include "agents/etcdclient/client.h"
#include "agents/etcdclient/testing/fake_etcd.h"
#include "agents/flannel/lease_codec.h"

namespace corestack::flannel {
namespace {

constexpr const char* kPrefix = "/coreos.com/network";
constexpr const char* kConfig = R"({"Network":"10.5.0.0/20","SubnetLen":24})";

LeaseAttrs attrs(const char* ip) {
  return LeaseAttrs{*Ip4::parse(ip), "vxlan", R"({"VtepMAC":"aa:bb:cc:dd:ee:01"})"};
}
std::string json(const char* ip) {
  return encode_lease_attrs(attrs(ip));
}
std::string key(const char* subnet) {
  return lease_key(kPrefix, *Ip4Net::parse(subnet));
}
Ip4Net net(const char* text) {
  return *Ip4Net::parse(text);
}

// A SubnetManager on a FakeEtcd whose random source always picks `pick` (clamped).
struct Harness {
  explicit Harness(size_t pick = 0)
      : client(make_client(etcd.url())),
        keys(*client),
        manager(keys, kPrefix, [pick](size_t count) { return std::min(pick, count - 1); }) {}

  static std::unique_ptr<etcd::client::Client> make_client(const std::string& url) {
    etcd::client::Config config;
    config.endpoints = {url};
    auto c = etcd::client::Client::create(config);
    EXPECT_TRUE(c);
    return std::move(*c);
  }

  NetworkConfig config() {
    auto c = manager.get_config();
    EXPECT_TRUE(c) << (c ? "" : c.error().message);
    return c ? *c : NetworkConfig{};
  }

  std::vector<etcd::client::testing::SeenRequest> writes() {
    std::vector<etcd::client::testing::SeenRequest> out;
    for (const auto& r : etcd.requests()) {
      if (r.method != "GET") out.push_back(r);
    }
    return out;
  }

  etcd::client::testing::FakeEtcd etcd;
  std::unique_ptr<etcd::client::Client> client;
  etcd::client::KeysApi keys;
  SubnetManager manager;
};

TEST(SubnetManager, ConfigMissingIsTyped) {
  Harness h;
  auto config = h.manager.get_config();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().kind, SubnetErrorKind::config_missing);
  EXPECT_EQ(config.error().message.rfind("100: Key not found (/coreos.com/network/config)", 0), 0u)
      << config.error().message;
  EXPECT_NE(h.etcd.requests().back().target.find("quorum=true"), std::string::npos);
}

TEST(SubnetManager, ConfigInvalid) {
  Harness h;
  h.etcd.put("/coreos.com/network/config", R"({"Network":"10.5.0.0/20","Backend":{"Type":"x"}})");
  auto config = h.manager.get_config();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().kind, SubnetErrorKind::config_invalid);
  EXPECT_EQ(config.error().message, "unknown backend type: x");
}

TEST(SubnetManager, AllocatesARandomFreeSubnetWithTtl) {
  Harness h(2);
  h.etcd.put("/coreos.com/network/config", kConfig);
  h.etcd.put(key("10.5.2.0/24"), json("10.0.0.9"));
  auto lease = h.manager.acquire(h.config(), attrs("10.0.0.1"));
  ASSERT_TRUE(lease) << lease.error().message;
  // Free: 1, 3, 4, ... → index 2 is 10.5.4.0.
  EXPECT_EQ(lease->subnet.to_string(), "10.5.4.0/24");
  EXPECT_EQ(lease->attrs, attrs("10.0.0.1"));
  EXPECT_FALSE(lease->reservation());
  EXPECT_EQ(h.etcd.value(key("10.5.4.0/24")), json("10.0.0.1"));
  EXPECT_TRUE(h.etcd.has_ttl(key("10.5.4.0/24")));
  auto w = h.writes();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].target.find("prevExist=false"), std::string::npos);
  EXPECT_NE(w[0].body.find("ttl=86400"), std::string::npos);
}

TEST(SubnetManager, EmptyNetworkWithoutSubnetsDirectory) {
  Harness h;
  h.etcd.put("/coreos.com/network/config", kConfig);
  auto lease = h.manager.acquire(h.config(), attrs("10.0.0.1"));
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->subnet.to_string(), "10.5.1.0/24");
}

TEST(SubnetManager, ReusesOurLeaseByIpWithCas) {
  Harness h;
  h.etcd.put("/coreos.com/network/config", kConfig);
  const uint64_t index = h.etcd.put(key("10.5.7.0/24"), json("10.0.0.1"), 100);
  auto lease = h.manager.acquire(h.config(), attrs("10.0.0.1"));
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->subnet.to_string(), "10.5.7.0/24");
  auto w = h.writes();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].target.find("prevIndex=" + std::to_string(index)), std::string::npos)
      << w[0].target;
  EXPECT_NE(w[0].body.find("ttl=86400"), std::string::npos);
}

TEST(SubnetManager, AConcurrentReissueIsNotStolen) {
  // Our old lease is read, then re-issued to another host before our CAS lands: the CAS
  // fails, and the next round sees the subnet as someone else's.
  Harness h;
  h.etcd.put("/coreos.com/network/config", kConfig);
  h.etcd.put(key("10.5.7.0/24"), json("10.0.0.1"), 100);
  h.etcd.on_next("PUT", "10.5.7.0-24",
                 [&] { h.etcd.put(key("10.5.7.0/24"), json("10.0.0.2"), 100); });
  auto lease = h.manager.acquire(h.config(), attrs("10.0.0.1"));
  ASSERT_TRUE(lease) << lease.error().message;
  EXPECT_NE(lease->subnet.to_string(), "10.5.7.0/24");
  EXPECT_EQ(h.etcd.value(key("10.5.7.0/24")), json("10.0.0.2"));  // untouched
  EXPECT_EQ(h.etcd.value(lease_key(kPrefix, lease->subnet)), json("10.0.0.1"));
}

TEST(SubnetManager, ReservationReuseKeepsTtlZero) {
  Harness h;
  h.etcd.put("/coreos.com/network/config", kConfig);
  h.etcd.put(key("10.5.9.0/24"), json("10.0.0.1"));  // no TTL: a reservation
  auto lease = h.manager.acquire(h.config(), attrs("10.0.0.1"));
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->subnet.to_string(), "10.5.9.0/24");
  EXPECT_TRUE(lease->reservation());
  EXPECT_FALSE(h.etcd.has_ttl(key("10.5.9.0/24")));
  EXPECT_EQ(h.writes().back().body.find("ttl="), std::string::npos);
}

TEST(SubnetManager, IncompatibleLeaseIsDeletedWithCadThenAllocated) {
  Harness h;
  h.etcd.put("/coreos.com/network/config", kConfig);
  const uint64_t index = h.etcd.put(lease_key(kPrefix, net("10.5.8.0/25")), json("10.0.0.1"), 100);
  h.etcd.put(key("10.9.0.0/24"), json("10.0.0.1"), 100);  // another network entirely
  auto lease = h.manager.acquire(h.config(), attrs("10.0.0.1"));
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->subnet.to_string(), "10.5.1.0/24");
  EXPECT_FALSE(h.etcd.value(lease_key(kPrefix, net("10.5.8.0/25"))));
  EXPECT_FALSE(h.etcd.value(key("10.9.0.0/24")));
  auto w = h.writes();
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].method, "DELETE");
  EXPECT_NE(w[0].target.find("prevIndex=" + std::to_string(index)), std::string::npos);
}

TEST(SubnetManager, ReusesThePreviousSubnetWhenFree) {
  Harness h;
  h.etcd.put("/coreos.com/network/config", kConfig);
  auto lease = h.manager.acquire(h.config(), attrs("10.0.0.1"), net("10.5.11.0/24"));
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->subnet.to_string(), "10.5.11.0/24");
  EXPECT_NE(h.writes()[0].target.find("prevExist=false"), std::string::npos);
}

TEST(SubnetManager, SkipsThePreviousSubnetWhenTakenOrIncompatible) {
  Harness h;
  h.etcd.put("/coreos.com/network/config", kConfig);
  h.etcd.put(key("10.5.11.0/24"), json("10.0.0.2"), 100);
  auto lease = h.manager.acquire(h.config(), attrs("10.0.0.1"), net("10.5.11.0/24"));
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->subnet.to_string(), "10.5.1.0/24");
  EXPECT_EQ(h.etcd.value(key("10.5.11.0/24")), json("10.0.0.2"));
  auto other = h.manager.acquire(h.config(), attrs("10.0.0.3"), net("10.6.0.0/24"));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->subnet.to_string(), "10.5.2.0/24");
}

TEST(SubnetManager, LostCreateRaceIsRetried) {
  Harness h;
  h.etcd.put("/coreos.com/network/config", kConfig);
  h.etcd.on_next("PUT", "10.5.1.0-24",
                 [&] { h.etcd.put(key("10.5.1.0/24"), json("10.0.0.2"), 100); });
  auto lease = h.manager.acquire(h.config(), attrs("10.0.0.1"));
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->subnet.to_string(), "10.5.2.0/24");
  EXPECT_EQ(h.writes().size(), 2u);
}

TEST(SubnetManager, OtherEtcdErrorsAreRealErrors) {
  Harness h;
  h.etcd.put("/coreos.com/network/config", kConfig);
  h.etcd.fail_next("PUT", "subnets", 401, 110, "The request requires user authentication");
  auto lease = h.manager.acquire(h.config(), attrs("10.0.0.1"));
  ASSERT_FALSE(lease);
  EXPECT_EQ(lease.error().kind, SubnetErrorKind::etcd);
  EXPECT_EQ(lease.error().cause.error_code, 110);
  EXPECT_EQ(h.writes().size(), 1u);  // not retried
}

TEST(SubnetManager, OutOfSubnets) {
  Harness h;
  h.etcd.put("/coreos.com/network/config", R"({"Network":"10.5.0.0/24","SubnetLen":26})");
  for (const char* s : {"10.5.0.64/26", "10.5.0.128/26", "10.5.0.192/26"}) {
    h.etcd.put(lease_key(kPrefix, net(s)), json("10.0.0.9"), 100);
  }
  auto lease = h.manager.acquire(h.config(), attrs("10.0.0.1"));
  ASSERT_FALSE(lease);
  EXPECT_EQ(lease.error().kind, SubnetErrorKind::out_of_subnets);
  EXPECT_EQ(lease.error().message, "out of subnets");
  EXPECT_TRUE(h.writes().empty());
}

TEST(SubnetManager, MaxRetries) {
  Harness h;
  h.etcd.put("/coreos.com/network/config", kConfig);
  for (int i = 0; i < kRaceRetries; ++i) {
    h.etcd.fail_next("PUT", "subnets", 412, 105, "Key already exists");
  }
  auto lease = h.manager.acquire(h.config(), attrs("10.0.0.1"));
  ASSERT_FALSE(lease);
  EXPECT_EQ(lease.error().kind, SubnetErrorKind::max_retries);
  EXPECT_EQ(lease.error().message, "Max retries reached trying to acquire a subnet");
  EXPECT_EQ(h.writes().size(), static_cast<size_t>(kRaceRetries));
}

TEST(SubnetManager, TransportErrorsAreTyped) {
  etcd::client::Config config;
  config.endpoints = {etcd::client::testing::FakeHttpServer::refused_url()};
  auto client = etcd::client::Client::create(config);
  ASSERT_TRUE(client);
  etcd::client::KeysApi keys(**client);
  SubnetManager manager(keys, kPrefix, make_random_index(1));
  auto got = manager.get_config();
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, SubnetErrorKind::transport);
  EXPECT_EQ(got.error().message.rfind("client: etcd cluster is unavailable or misconfigured", 0),
            0u);
}

TEST(SubnetManager, RenewsWithCasAndTtl) {
  Harness h;
  h.etcd.put("/coreos.com/network/config", kConfig);
  auto lease = h.manager.acquire(h.config(), attrs("10.0.0.1"));
  ASSERT_TRUE(lease);
  auto renewed = h.manager.renew(*lease);
  ASSERT_TRUE(renewed) << renewed.error().message;
  EXPECT_GT(renewed->modified_index, lease->modified_index);
  EXPECT_GE(renewed->expiration, lease->expiration);
  auto w = h.writes().back();
  EXPECT_NE(w.target.find("prevIndex=" + std::to_string(lease->modified_index)), std::string::npos);
  EXPECT_NE(w.body.find("ttl=86400"), std::string::npos);
}

TEST(SubnetManager, RenewRepublishesChangedAttrs) {
  Harness h;
  h.etcd.put("/coreos.com/network/config", kConfig);
  auto lease = h.manager.acquire(h.config(), attrs("10.0.0.1"));
  ASSERT_TRUE(lease);
  Lease changed = *lease;
  changed.attrs.backend_data = R"({"VtepMAC":"aa:bb:cc:dd:ee:02"})";  // device recreated
  ASSERT_TRUE(h.manager.renew(changed));
  EXPECT_EQ(h.etcd.value(lease_key(kPrefix, lease->subnet)), encode_lease_attrs(changed.attrs));
}

TEST(SubnetManager, RenewReportsRevocation) {
  Harness h;
  h.etcd.put("/coreos.com/network/config", kConfig);
  auto lease = h.manager.acquire(h.config(), attrs("10.0.0.1"));
  ASSERT_TRUE(lease);
  const std::string k = lease_key(kPrefix, lease->subnet);
  h.etcd.put(k, json("10.0.0.2"), 100);
  auto taken = h.manager.renew(*lease);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().kind, SubnetErrorKind::revoked);
  EXPECT_EQ(taken.error().message, "Lease has been revoked (now held by 10.0.0.2)");
  EXPECT_EQ(h.etcd.value(k), json("10.0.0.2"));  // never overwritten
  h.etcd.remove(k);
  auto gone = h.manager.renew(*lease);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().kind, SubnetErrorKind::revoked);
}

TEST(SubnetManager, RenewLosesNoRaceToAnotherOwner) {
  Harness h;
  h.etcd.put("/coreos.com/network/config", kConfig);
  auto lease = h.manager.acquire(h.config(), attrs("10.0.0.1"));
  ASSERT_TRUE(lease);
  const std::string k = lease_key(kPrefix, lease->subnet);
  h.etcd.on_next("PUT", lease->subnet.to_key(), [&] { h.etcd.put(k, json("10.0.0.2"), 100); });
  auto renewed = h.manager.renew(*lease);
  ASSERT_FALSE(renewed);
  EXPECT_EQ(renewed.error().kind, SubnetErrorKind::revoked);
  EXPECT_EQ(h.etcd.value(k), json("10.0.0.2"));
}

TEST(SubnetManager, RenewOfAReservationWritesNothing) {
  Harness h;
  h.etcd.put("/coreos.com/network/config", kConfig);
  h.etcd.put(key("10.5.9.0/24"), json("10.0.0.1"));
  auto lease = h.manager.acquire(h.config(), attrs("10.0.0.1"));
  ASSERT_TRUE(lease);
  const size_t writes = h.writes().size();
  auto renewed = h.manager.renew(*lease);
  ASSERT_TRUE(renewed);
  EXPECT_TRUE(renewed->reservation());
  EXPECT_EQ(h.writes().size(), writes);
  EXPECT_FALSE(renew_time(*renewed, std::chrono::minutes(60)));
}

TEST(SubnetManager, RenewTime) {
  Lease lease;
  lease.expiration = std::chrono::system_clock::time_point(std::chrono::hours(48));
  EXPECT_EQ(renew_time(lease, std::chrono::minutes(60)),
            std::chrono::system_clock::time_point(std::chrono::hours(47)));
}

TEST(OwnLeaseChange, Classifies) {
  const Ip4 me = *Ip4::parse("10.0.0.1");
  etcd::client::Node node;
  node.key = key("10.5.3.0/24");
  node.value = json("10.0.0.1");
  node.modified_index = 5;
  auto updated = own_lease_change("compareAndSwap", node, me);
  EXPECT_EQ(updated.kind, OwnLeaseChange::updated);
  EXPECT_EQ(updated.lease.modified_index, 5u);
  EXPECT_EQ(own_lease_change("expire", node, me).reason, "expired");
  EXPECT_EQ(own_lease_change("delete", node, me).kind, OwnLeaseChange::revoked);
  EXPECT_EQ(own_lease_change("compareAndDelete", node, me).kind, OwnLeaseChange::revoked);
  node.value = json("10.0.0.2");
  EXPECT_EQ(own_lease_change("set", node, me).reason, "now held by 10.0.0.2");
  node.value = "junk";
  EXPECT_EQ(own_lease_change("set", node, me).kind, OwnLeaseChange::revoked);
}

}  // namespace
}  // namespace corestack::flannel
