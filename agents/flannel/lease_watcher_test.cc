#include "agents/flannel/lease_watcher.h"

#include <gtest/gtest.h>

#include "agents/etcdclient/testing/fake_etcd.h"
#include "agents/flannel/lease_codec.h"

namespace corestack::flannel {
namespace {

constexpr const char* kPrefix = "/coreos.com/network";
constexpr uint64_t kWaitMs = 3000;

Ip4Net net(const char* text) {
  return *Ip4Net::parse(text);
}
std::string key(const char* subnet) {
  return lease_key(kPrefix, net(subnet));
}
std::string json(const char* ip) {
  return encode_lease_attrs({*Ip4::parse(ip), "", ""});
}

std::unique_ptr<etcd::client::Client> make_client(const std::string& url) {
  etcd::client::Config config;
  config.endpoints = {url};
  auto client = etcd::client::Client::create(config);
  return std::move(client.value());
}

// "+10.5.1.0/24@10.0.0.1" / "-10.5.1.0/24@10.0.0.1" per event, for compact expectations.
std::vector<std::string> describe(const std::vector<LeaseEvent>& events) {
  std::vector<std::string> out;
  for (const LeaseEvent& e : events) {
    out.push_back((e.kind == LeaseEvent::added ? "+" : "-") + e.lease.subnet.to_string() + "@" +
                  e.lease.attrs.public_ip.to_string());
  }
  return out;
}

using Strings = std::vector<std::string>;

struct Harness {
  Harness() : client(make_client(etcd.url())) {}

  std::vector<LeaseEvent> next(LeaseWatcher& watcher) {
    auto batch = watcher.next(kWaitMs);
    EXPECT_TRUE(batch) << (batch ? "" : batch.error().to_string());
    return batch ? *batch : std::vector<LeaseEvent>{};
  }

  // Our own lease as stored in the fake.
  Lease own(const char* subnet) {
    etcd::client::KeysApi keys(*client);
    auto read = keys.get(key(subnet));
    EXPECT_TRUE(read);
    auto lease = lease_from_node(read->node);
    EXPECT_TRUE(lease);
    return *lease;
  }

  etcd::client::testing::FakeEtcd etcd;
  std::unique_ptr<etcd::client::Client> client;
};

TEST(LeaseWatcher, SnapshotFirstThenEvents) {
  Harness h;
  h.etcd.put(key("10.5.1.0/24"), json("10.0.0.1"), 100);
  h.etcd.put(key("10.5.2.0/24"), json("10.0.0.2"), 100);
  h.etcd.put(key("10.5.3.0/24"), json("10.0.0.3"), 100);
  LeaseWatcher watcher(*h.client, kPrefix, h.own("10.5.2.0/24"));
  EXPECT_EQ(describe(h.next(watcher)), (Strings{"+10.5.1.0/24@10.0.0.1", "+10.5.3.0/24@10.0.0.3"}));
  EXPECT_FALSE(watcher.own_change());
  EXPECT_EQ(watcher.leases().size(), 2u);
  EXPECT_NE(h.etcd.requests().back().target.find("quorum=true"), std::string::npos);

  h.etcd.put(key("10.5.4.0/24"), json("10.0.0.4"), 100);
  EXPECT_EQ(describe(h.next(watcher)), Strings{"+10.5.4.0/24@10.0.0.4"});
  h.etcd.remove(key("10.5.1.0/24"));
  EXPECT_EQ(describe(h.next(watcher)), Strings{"-10.5.1.0/24@10.0.0.1"});  // cached attrs
  h.etcd.remove(key("10.5.3.0/24"), "expire");
  EXPECT_EQ(describe(h.next(watcher)), Strings{"-10.5.3.0/24@10.0.0.3"});
  h.etcd.put(key("10.5.4.0/24"), json("10.0.0.9"), 100);  // changed hands: an update
  EXPECT_EQ(describe(h.next(watcher)), Strings{"+10.5.4.0/24@10.0.0.9"});
  EXPECT_EQ(watcher.leases().size(), 1u);
  EXPECT_EQ(watcher.leases().at(net("10.5.4.0/24")).attrs.public_ip.to_string(), "10.0.0.9");
}

TEST(LeaseWatcher, MissingDirectoryIsAnEmptySnapshot) {
  Harness h;
  h.etcd.put("/coreos.com/network/config", "{}");
  LeaseWatcher watcher(*h.client, kPrefix, std::nullopt);
  EXPECT_TRUE(h.next(watcher).empty());
  h.etcd.put(key("10.5.1.0/24"), json("10.0.0.1"), 100);
  EXPECT_EQ(describe(h.next(watcher)), Strings{"+10.5.1.0/24@10.0.0.1"});
  // The poll resumed right after the snapshot's index (the missing-key error's index).
  EXPECT_NE(h.etcd.requests().back().target.find("waitIndex=3"), std::string::npos)
      << h.etcd.requests().back().target;
}

TEST(LeaseWatcher, OwnLeaseIsReportedNotDelivered) {
  Harness h;
  h.etcd.put(key("10.5.2.0/24"), json("10.0.0.2"), 100);
  LeaseWatcher watcher(*h.client, kPrefix, h.own("10.5.2.0/24"));
  EXPECT_TRUE(h.next(watcher).empty());
  h.etcd.put(key("10.5.2.0/24"), json("10.0.0.2"), 100);  // a renewal
  EXPECT_TRUE(h.next(watcher).empty());
  ASSERT_TRUE(watcher.own_change());
  EXPECT_EQ(watcher.own_change()->kind, OwnLeaseChange::updated);
  h.etcd.remove(key("10.5.2.0/24"), "expire");
  EXPECT_TRUE(h.next(watcher).empty());
  ASSERT_TRUE(watcher.own_change());
  EXPECT_EQ(watcher.own_change()->kind, OwnLeaseChange::revoked);
  EXPECT_EQ(watcher.own_change()->reason, "expired");
  // Once revoked, the subnet is an ordinary lease to the watcher.
  h.etcd.put(key("10.5.2.0/24"), json("10.0.0.7"), 100);
  EXPECT_EQ(describe(h.next(watcher)), Strings{"+10.5.2.0/24@10.0.0.7"});
  EXPECT_FALSE(watcher.own_change());
}

TEST(LeaseWatcher, TakeoverOfOurSubnetRevokesAndShowsTheNewOwner) {
  Harness h;
  h.etcd.put(key("10.5.2.0/24"), json("10.0.0.2"), 100);
  LeaseWatcher watcher(*h.client, kPrefix, h.own("10.5.2.0/24"));
  EXPECT_TRUE(h.next(watcher).empty());
  h.etcd.put(key("10.5.2.0/24"), json("10.0.0.8"), 100);
  EXPECT_EQ(describe(h.next(watcher)), Strings{"+10.5.2.0/24@10.0.0.8"});
  ASSERT_TRUE(watcher.own_change());
  EXPECT_EQ(watcher.own_change()->reason, "now held by 10.0.0.8");
}

TEST(LeaseWatcher, HistoryClearedResyncsByDiff) {
  Harness h;
  h.etcd.put(key("10.5.1.0/24"), json("10.0.0.1"), 100);
  h.etcd.put(key("10.5.2.0/24"), json("10.0.0.2"), 100);
  h.etcd.put(key("10.5.3.0/24"), json("10.0.0.3"), 100);
  LeaseWatcher watcher(*h.client, kPrefix, std::nullopt);
  EXPECT_EQ(h.next(watcher).size(), 3u);
  // While the watcher is away: 1 goes, 2 changes owner, 4 appears, 3 stays.
  h.etcd.remove(key("10.5.1.0/24"));
  h.etcd.put(key("10.5.2.0/24"), json("10.0.0.22"), 100);
  h.etcd.put(key("10.5.4.0/24"), json("10.0.0.4"), 100);
  h.etcd.clear_history(h.etcd.index() + 1);
  EXPECT_EQ(describe(h.next(watcher)),
            (Strings{"-10.5.1.0/24@10.0.0.1", "+10.5.2.0/24@10.0.0.22", "+10.5.4.0/24@10.0.0.4"}));
  h.etcd.put(key("10.5.5.0/24"), json("10.0.0.5"), 100);
  EXPECT_EQ(describe(h.next(watcher)), Strings{"+10.5.5.0/24@10.0.0.5"});
}

TEST(LeaseWatcher, DeletingTheDirectoryRemovesEverything) {
  Harness h;
  h.etcd.put(key("10.5.1.0/24"), json("10.0.0.1"), 100);
  LeaseWatcher watcher(*h.client, kPrefix, std::nullopt);
  EXPECT_EQ(h.next(watcher).size(), 1u);
  h.etcd.put(key("10.5.2.0/24"), json("10.0.0.2"), 100);
  EXPECT_EQ(describe(h.next(watcher)), Strings{"+10.5.2.0/24@10.0.0.2"});
  h.etcd.remove_dir("/coreos.com/network");  // an ancestor: etcd tells watchers below it
  EXPECT_EQ(describe(h.next(watcher)), (Strings{"-10.5.1.0/24@10.0.0.1", "-10.5.2.0/24@10.0.0.2"}));
  EXPECT_TRUE(watcher.leases().empty());
  h.etcd.put(key("10.5.3.0/24"), json("10.0.0.3"), 100);
  EXPECT_EQ(describe(h.next(watcher)), Strings{"+10.5.3.0/24@10.0.0.3"});
}

TEST(LeaseWatcher, BadNodesAreSkipped) {
  Harness h;
  h.etcd.put(key("10.5.1.0/24"), json("10.0.0.1"), 100);
  LeaseWatcher watcher(*h.client, kPrefix, std::nullopt);
  EXPECT_EQ(h.next(watcher).size(), 1u);
  h.etcd.put("/coreos.com/network/subnets/readme", "hello");
  EXPECT_TRUE(h.next(watcher).empty());
  h.etcd.put(key("10.5.1.0/24"), "not a lease");  // garbage over a lease: it is gone
  EXPECT_EQ(describe(h.next(watcher)), Strings{"-10.5.1.0/24@10.0.0.1"});
  h.etcd.put("/coreos.com/network/subnets/x/10.5.9.0-24", json("10.0.0.9"));  // nested: not a lease
  EXPECT_TRUE(h.next(watcher).empty());
}

TEST(LeaseWatcher, QuietWatchTimesOutAndKeepsItsPlace) {
  Harness h;
  LeaseWatcher watcher(*h.client, kPrefix, std::nullopt);
  EXPECT_TRUE(h.next(watcher).empty());
  auto quiet = watcher.next(500);
  ASSERT_FALSE(quiet);
  EXPECT_EQ(quiet.error().kind, etcd::client::ErrorKind::timeout);
  h.etcd.put(key("10.5.1.0/24"), json("10.0.0.1"), 100);
  EXPECT_EQ(describe(h.next(watcher)), Strings{"+10.5.1.0/24@10.0.0.1"});
}

TEST(LeaseWatcher, DiffLeases) {
  auto lease = [](const char* s, const char* ip, uint64_t index) {
    return Lease{net(s), {*Ip4::parse(ip), "", ""}, {}, index};
  };
  std::map<Ip4Net, Lease> before = {{net("10.5.1.0/24"), lease("10.5.1.0/24", "10.0.0.1", 3)},
                                    {net("10.5.2.0/24"), lease("10.5.2.0/24", "10.0.0.2", 4)}};
  std::map<Ip4Net, Lease> after = {{net("10.5.2.0/24"), lease("10.5.2.0/24", "10.0.0.2", 4)},
                                   {net("10.5.3.0/24"), lease("10.5.3.0/24", "10.0.0.3", 9)}};
  EXPECT_EQ(describe(diff_leases(before, after)),
            (Strings{"-10.5.1.0/24@10.0.0.1", "+10.5.3.0/24@10.0.0.3"}));
  after[net("10.5.2.0/24")].modified_index = 10;  // renewed meanwhile: re-added
  EXPECT_EQ(describe(diff_leases(before, after)).size(), 3u);
}

}  // namespace
}  // namespace corestack::flannel
