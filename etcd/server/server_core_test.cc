// Three ServerCores with real WAL, snapshot files and SQLite stores in temp dirs, joined
// by an in-memory network the test drives by hand: writes, restarts from disk, snapshots
// to a lagging member, and membership changes, without sockets or threads.
#include "etcd/server/server_core.h"
#include "etcd/mvcc/error.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "etcd/server/bootstrap.h"

namespace etcd::server {
namespace {

namespace fs = std::filesystem;

class LoopNetwork;

struct MemberUnderTest {
  std::string name;
  std::string dir;
  std::unique_ptr<ServerCore> core;
  Rng rng{0};
};

class LoopNetwork final : public PeerNetwork {
 public:
  explicit LoopNetwork(std::map<NodeId, std::vector<raft::Message>>& inbox) : inbox_(inbox) {}
  void send(std::vector<raft::Message> messages) override {
    for (auto& m : messages)
      inbox_[m.to].push_back(std::move(m));
  }
  void add_peer(NodeId id, const std::vector<std::string>&) override { peers.insert(id); }
  void update_peer(NodeId, const std::vector<std::string>&) override {}
  void remove_peer(NodeId id) override { peers.erase(id); }
  std::set<NodeId> peers;

 private:
  std::map<NodeId, std::vector<raft::Message>>& inbox_;
};

class ServerCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("core_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    for (int i = 1; i <= 3; ++i) {
      const std::string name = "m" + std::to_string(i);
      cluster_.emplace_back(name, "http://10.0.0." + std::to_string(i) + ":2380");
    }
  }
  void TearDown() override {
    members_.clear();
    fs::remove_all(root_);
  }

  BootstrapConfig config_for(const std::string& name, const std::string& url) {
    BootstrapConfig c;
    c.name = name;
    c.data_dir = (root_ / name).string();
    c.advertise_peer_urls = {url};
    c.initial_cluster = cluster_;
    c.wal_segment_bytes = 64 * 1024;
    return c;
  }

  void start(size_t i, uint64_t snapshot_count = 10000, const Membership* join = nullptr,
             bool force_new_cluster = false) {
    const auto& [name, url] = cluster_[i];
    BootstrapConfig config = config_for(name, url);
    config.join_existing = join != nullptr;
    config.force_new_cluster = force_new_cluster;
    auto booted = bootstrap(config, [join](const std::vector<std::string>&) -> Result<Membership> {
      if (join == nullptr) return Error{"no join here"};
      return *join;
    });
    ASSERT_TRUE(booted.ok()) << booted.error().message;
    CoreOptions o;
    o.id = booted->id;
    o.name = name;
    o.client_urls = {"http://client-" + name};
    o.snapshot_count = snapshot_count;
    o.snapshot_catchup_entries = 2;
    auto& m = members_[i];  // std::map: the member (and its Rng raft points to) never moves
    m.name = name;
    m.rng = Rng(1000 + i + 10 * restarts_++);  // distinct jitter, or elections split forever
    networks_.emplace(booted->id, std::make_unique<LoopNetwork>(inbox_));
    m.core = std::make_unique<ServerCore>(o, std::move(booted->disk), *networks_.at(booted->id),
                                          clock_, m.rng, nullptr);
  }

  void crash(size_t i) { members_[i].core.reset(); }

  // Delivers messages (dropping those to or from `down`) until the network is quiet.
  void settle() {
    for (int round = 0; round < 10000; ++round) {
      auto inbox = std::move(inbox_);
      inbox_.clear();
      if (inbox.empty()) return;
      for (auto& [to, messages] : inbox) {
        ServerCore* target = find(to);
        for (auto& m : messages) {
          if (target && find(m.from)) target->step(m);
        }
      }
    }
    FAIL() << "network never settled";
  }

  // Delivers one message at a time until `reached()` holds; false if the network went quiet
  // first. For stopping inside a window that settle() would run through.
  bool deliver_until(const std::function<bool()>& reached) {
    for (int step = 0; step < 10000; ++step) {
      if (reached()) return true;
      auto box = std::find_if(inbox_.begin(), inbox_.end(),
                              [](const auto& kv) { return !kv.second.empty(); });
      if (box == inbox_.end()) return false;
      raft::Message m = std::move(box->second.front());
      box->second.erase(box->second.begin());
      ServerCore* target = find(box->first);
      if (target && find(m.from)) target->step(m);
    }
    return reached();
  }

  // Moves leadership from the leader to another member and stops as soon as that one
  // leads: the first entry of its term is not applied anywhere yet.
  ServerCore* transfer_and_stop_at_new_leader() {
    ServerCore* old = leader();
    if (old == nullptr) return nullptr;
    ServerCore* next =
        members_[0].core.get() == old ? members_[1].core.get() : members_[0].core.get();
    if (!old->transfer_leadership(next->id()).ok()) return nullptr;
    if (!deliver_until([&] { return next->is_leader(); })) return nullptr;
    return next;
  }

  void tick(int n) {
    for (int i = 0; i < n; ++i) {
      clock_.advance_ns(100'000'000);
      for (auto& [i, m] : members_) {
        if (m.core) m.core->tick();
      }
      settle();
    }
  }

  ServerCore* find(NodeId id) {
    for (auto& [i, m] : members_) {
      if (m.core && m.core->id() == id) return m.core.get();
    }
    return nullptr;
  }

  ServerCore* leader() {
    for (auto& [i, m] : members_) {
      if (m.core && m.core->is_leader()) return m.core.get();
    }
    return nullptr;
  }

  ApplyResult put(ServerCore& core, std::string key, std::string value) {
    store::Request r;
    r.method = store::Method::put;
    r.path = std::move(key);
    r.value = std::move(value);
    r.time_ns = clock_.now_unix_ns();
    std::optional<ApplyResult> result;
    core.propose(r, [&](const ApplyResult& a) { result = a; });
    settle();
    EXPECT_TRUE(result.has_value()) << "proposal never completed";
    return result.value_or(ApplyResult{});
  }

  V3ApplyResult v3_write(ServerCore& core, mvcc::WriteRequest request) {
    std::optional<V3ApplyResult> result;
    core.propose_v3(std::move(request), [&](V3ApplyResult a) { result = std::move(a); });
    settle();
    EXPECT_TRUE(result.has_value()) << "v3 proposal never completed";
    return result ? std::move(*result) : V3ApplyResult{};
  }

  // The v3 value of `key` at this member, nullopt when absent.
  std::optional<std::string> v3_value(ServerCore& core, const std::string& key) {
    auto got = core.kv().range(mvcc::RangeRequest{.key = key});
    if (!got.ok() || got->kvs.empty()) return std::nullopt;
    return got->kvs[0].value;
  }

  std::optional<std::string> value(ServerCore& core, const std::string& key) {
    auto got = core.store().get(key, false, false, clock_.now_unix_ns());
    if (!got.ok()) return std::nullopt;
    return got->node.value;
  }

  fs::path root_;
  std::vector<std::pair<std::string, std::string>> cluster_;
  std::map<NodeId, std::vector<raft::Message>> inbox_;
  std::map<NodeId, std::unique_ptr<LoopNetwork>> networks_;
  std::map<size_t, MemberUnderTest> members_;
  ManualClock clock_;
  uint64_t restarts_ = 0;
};

TEST_F(ServerCoreTest, ElectsPublishesAndReplicatesWrites) {
  for (size_t i = 0; i < 3; ++i)
    start(i);
  tick(40);
  ServerCore* lead = leader();
  ASSERT_NE(lead, nullptr);
  for (auto& [i, m] : members_) {
    EXPECT_EQ(m.core->membership().members().size(), 3u);
    for (const auto& [id, member] : m.core->membership().members()) {
      EXPECT_FALSE(member.name.empty()) << "every member published its name";
    }
  }
  auto r = put(*members_[0].core, "/a", "1");
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.result->action, store::Action::set);
  for (auto& [i, m] : members_)
    EXPECT_EQ(value(*m.core, "/a"), "1");
}

// EtcdServer caches the parsed auth state against auth_generation(): it must move on
// every member that applies a write under /_auth, and only then.
TEST_F(ServerCoreTest, AuthGenerationMovesWithWritesUnderTheAuthTree) {
  for (size_t i = 0; i < 3; ++i)
    start(i);
  tick(40);
  std::map<size_t, uint64_t> before;
  for (auto& [i, m] : members_)
    before[i] = m.core->auth_generation();
  ASSERT_TRUE(put(*members_[0].core, "/a", "1").result.ok());
  ASSERT_TRUE(put(*members_[0].core, "/_authx", "not the auth tree").result.ok());
  for (auto& [i, m] : members_)
    EXPECT_EQ(m.core->auth_generation(), before[i]) << i;
  ASSERT_TRUE(put(*members_[1].core, "/_auth/enabled", "false").result.ok());
  for (auto& [i, m] : members_)
    EXPECT_GT(m.core->auth_generation(), before[i]) << i;
}

TEST_F(ServerCoreTest, RestartKeepsStateAndDoesNotReapply) {
  for (size_t i = 0; i < 3; ++i)
    start(i);
  tick(40);
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(put(*members_[1].core, "/k" + std::to_string(i), "v").result.ok());
  const auto index_before = members_[2].core->store().index();
  crash(2);
  start(2);
  EXPECT_EQ(members_[2].core->store().index(), index_before) << "restart replays nothing twice";
  EXPECT_EQ(value(*members_[2].core, "/k19"), "v");
  tick(20);
  ASSERT_TRUE(put(*members_[2].core, "/after", "restart").result.ok());
  for (auto& [i, m] : members_)
    EXPECT_EQ(value(*m.core, "/after"), "restart");
  // The whole cluster restarting (no snapshot files yet) must still elect a leader.
  for (size_t i = 0; i < 3; ++i)
    crash(i);
  for (size_t i = 0; i < 3; ++i)
    start(i);
  tick(40);
  ASSERT_NE(leader(), nullptr) << "restarted members must be able to campaign";
  ASSERT_TRUE(put(*members_[0].core, "/after-full-restart", "ok").result.ok());
}

TEST_F(ServerCoreTest, LaggingMemberCatchesUpFromDatabaseSnapshot) {
  for (size_t i = 0; i < 3; ++i)
    start(i, /*snapshot_count=*/10);
  tick(40);
  crash(2);
  for (int i = 0; i < 60; ++i)
    ASSERT_TRUE(put(*members_[0].core, "/s" + std::to_string(i), "x").result.ok());
  start(2, 10);
  tick(30);
  EXPECT_EQ(value(*members_[2].core, "/s59"), "x");
  EXPECT_EQ(members_[2].core->store().index(), members_[0].core->store().index());
  // And it survives a restart from the installed snapshot.
  crash(2);
  start(2, 10);
  EXPECT_EQ(value(*members_[2].core, "/s0"), "x");
}

TEST_F(ServerCoreTest, V3WritesReplicateBesideV2AndFeedEvents) {
  for (size_t i = 0; i < 3; ++i)
    start(i);
  tick(40);
  std::map<size_t, std::vector<mvcc::Event>> seen;
  for (auto& [i, m] : members_) {
    m.core->on_v3_events = [&seen, i = i](const std::vector<mvcc::Event>& events) {
      seen[i].insert(seen[i].end(), events.begin(), events.end());
    };
  }
  const auto v2_index = members_[0].core->store().index();
  auto put_result = v3_write(*members_[1].core, mvcc::PutRequest{.key = "k", .value = "v1"});
  ASSERT_TRUE(put_result.result.ok()) << put_result.result.error().message;
  EXPECT_EQ(std::get<mvcc::PutResponse>(*put_result.result).revision, 2);
  mvcc::TxnRequest txn;
  txn.compare.push_back(
      {mvcc::CompareResult::kEqual, mvcc::CompareTarget::kValue, "k", "", 0, "v1"});
  txn.success.emplace_back(mvcc::PutRequest{.key = "k", .value = "v2", .prev_kv = true});
  auto txn_result = v3_write(*members_[2].core, txn);
  ASSERT_TRUE(txn_result.result.ok());
  EXPECT_TRUE(std::get<mvcc::TxnResponse>(*txn_result.result).succeeded);
  for (auto& [i, m] : members_) {
    EXPECT_EQ(v3_value(*m.core, "k"), "v2") << i;
    EXPECT_EQ(m.core->kv().current_revision(), 3) << i;
    EXPECT_FALSE(value(*m.core, "/k").has_value()) << "the keyspaces are separate";
    EXPECT_EQ(m.core->store().index(), v2_index) << "v3 writes leave the v2 index alone";
    ASSERT_EQ(seen[i].size(), 2u) << i;
    EXPECT_EQ(seen[i][1].kv.value, "v2");
    EXPECT_EQ(seen[i][1].revision.main, 3);
  }
  // A failed request answers with the store's error and changes nothing.
  auto bad = v3_write(*members_[0].core, mvcc::CompactionRequest{.revision = 99});
  ASSERT_FALSE(bad.result.ok());
  EXPECT_TRUE(mvcc::is(bad.result.error(), mvcc::ErrorCode::kFutureRevision));
}

TEST_F(ServerCoreTest, V3KeyspaceSurvivesRestartAndSnapshotCatchUp) {
  for (size_t i = 0; i < 3; ++i)
    start(i, /*snapshot_count=*/10);
  tick(40);
  crash(2);
  for (int i = 0; i < 40; ++i) {
    auto r =
        v3_write(*members_[0].core, mvcc::PutRequest{.key = "k" + std::to_string(i), .value = "x"});
    ASSERT_TRUE(r.result.ok());
  }
  ASSERT_TRUE(v3_write(*members_[1].core, mvcc::CompactionRequest{.revision = 20}).result.ok());
  bool restored = false;
  start(2, 10);
  members_[2].core->on_v3_restored = [&restored] { restored = true; };
  tick(30);
  EXPECT_TRUE(restored) << "the lagging member installed a snapshot";
  EXPECT_EQ(v3_value(*members_[2].core, "k39"), "x");
  EXPECT_EQ(members_[2].core->kv().current_revision(), 41);
  EXPECT_EQ(members_[2].core->kv().compact_revision(), 20);
  const auto hash = members_[0].core->kv().hash_kv(0);
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(members_[2].core->kv().hash_kv(0)->hash, hash->hash);
  crash(0);
  start(0, 10);
  EXPECT_EQ(members_[0].core->kv().current_revision(), 41) << "restart replays nothing twice";
  EXPECT_EQ(members_[0].core->kv().hash_kv(0)->hash, hash->hash);
}

TEST_F(ServerCoreTest, MembershipChangesGoThroughRaft) {
  for (size_t i = 0; i < 3; ++i)
    start(i);
  tick(40);
  ServerCore* lead = leader();
  ASSERT_NE(lead, nullptr);
  std::optional<Result<Member>> added;
  lead->add_member({"http://10.0.0.9:2380"}, false, [&](Result<Member> m) { added = m; });
  settle();
  ASSERT_TRUE(added.has_value());
  // Strict reconfig: 3 started + 1 unstarted still has a started quorum.
  ASSERT_TRUE(added->ok()) << added->error().message;
  const NodeId new_id = (*added)->id;
  for (auto& [i, m] : members_)
    EXPECT_NE(m.core->membership().find(new_id), nullptr);
  std::optional<Result<Member>> dup;
  lead->add_member({"http://10.0.0.9:2380"}, false, [&](Result<Member> m) { dup = m; });
  ASSERT_TRUE(dup.has_value());
  EXPECT_EQ(dup->error().message, "membership: peerURL exists");
  std::optional<Result<Member>> removed;
  lead->remove_member(new_id, [&](Result<Member> m) { removed = m; });
  settle();
  ASSERT_TRUE(removed.has_value() && removed->ok());
  for (auto& [i, m] : members_)
    EXPECT_TRUE(m.core->membership().is_removed(new_id));
}

// A new leader takes no membership change until the first entry of its term is applied
// (raft's pending conf index), and has not heard from every live member yet. A change
// asked for in that window waits; it used to fail at once with 500 "a configuration change
// is already in progress" (seen in ops_cluster_operations right after a cluster came up)
// or "unhealthy cluster".
TEST_F(ServerCoreTest, MembershipChangeAskedOfANewLeaderWaitsForItsFirstEntry) {
  for (size_t i = 0; i < 3; ++i)
    start(i);
  tick(40);
  const NodeId old_leader = leader()->id();
  const Index applied_before = leader()->applied_index();
  ServerCore* next = transfer_and_stop_at_new_leader();
  ASSERT_NE(next, nullptr);
  ASSERT_EQ(next->applied_index(), applied_before) << "the first entry must be unapplied";
  std::optional<Result<Member>> removed;
  next->remove_member(old_leader, [&](Result<Member> m) { removed = m; });
  EXPECT_FALSE(removed.has_value()) << removed->error().message;
  settle();
  tick(1);  // a heartbeat round: the new leader hears from everyone
  ASSERT_TRUE(removed.has_value()) << "proposed once the first entry was applied";
  ASSERT_TRUE(removed->ok()) << removed->error().message;
  EXPECT_TRUE(next->membership().is_removed(old_leader));
}

// A follower forwards a change only once it applied an entry of the current term: the
// leader would turn a change it cannot take yet into a no-op, and the client would wait
// for nothing until its request timed out.
TEST_F(ServerCoreTest, MembershipChangeThroughAFollowerOfANewLeaderIsNotLost) {
  for (size_t i = 0; i < 3; ++i)
    start(i);
  tick(40);
  const NodeId old_leader = leader()->id();
  ServerCore* next = transfer_and_stop_at_new_leader();
  ASSERT_NE(next, nullptr);
  ServerCore* third = nullptr;
  for (auto& [i, m] : members_) {
    if (m.core->id() != old_leader && m.core.get() != next) third = m.core.get();
  }
  ASSERT_NE(third, nullptr);
  ASSERT_TRUE(deliver_until([&] { return third->leader() == next->id(); }));
  std::optional<Result<Member>> removed;
  third->remove_member(old_leader, [&](Result<Member> m) { removed = m; });
  settle();
  tick(1);
  ASSERT_TRUE(removed.has_value()) << "the change was dropped on its way";
  ASSERT_TRUE(removed->ok()) << removed->error().message;
  EXPECT_TRUE(third->membership().is_removed(old_leader));
}

// Waiting is bounded: a leader that never gets its first entry committed (the others are
// gone) answers the change with an error instead of holding it forever.
TEST_F(ServerCoreTest, MembershipChangeThatCannotBeProposedFailsInTime) {
  for (size_t i = 0; i < 3; ++i)
    start(i);
  tick(40);
  ServerCore* next = transfer_and_stop_at_new_leader();
  ASSERT_NE(next, nullptr);
  const NodeId next_id = next->id();
  NodeId other;
  for (auto& [i, m] : members_) {
    if (m.core.get() != next) {
      other = m.core->id();
      crash(i);
    }
  }
  inbox_.clear();
  std::optional<Result<Member>> removed;
  find(next_id)->remove_member(other, [&](Result<Member> m) { removed = m; });
  EXPECT_FALSE(removed.has_value());
  tick(CoreOptions{}.conf_change_wait_ticks + 1);
  ASSERT_TRUE(removed.has_value()) << "still waiting after conf_change_wait_ticks";
  EXPECT_FALSE(removed->ok());
  EXPECT_FALSE(find(next_id)->membership().is_removed(other));
}

TEST_F(ServerCoreTest, RemovingTheLeaderHandsLeadershipOverFirst) {
  for (size_t i = 0; i < 3; ++i)
    start(i);
  tick(40);
  ServerCore* lead = leader();
  ASSERT_NE(lead, nullptr);
  const NodeId old_leader = lead->id();
  std::optional<Result<Member>> removed;
  lead->remove_member(old_leader, [&](Result<Member> m) { removed = m; });
  settle();
  // The transfer (TimeoutNow) ran before anything was proposed.
  ASSERT_NE(leader(), nullptr);
  EXPECT_NE(leader()->id(), old_leader);
  EXPECT_FALSE(removed.has_value());
  EXPECT_FALSE(find(old_leader)->membership().is_removed(old_leader));
  tick(3);  // the next tick proposes the removal through the new leader
  ASSERT_TRUE(removed.has_value());
  ASSERT_TRUE(removed->ok()) << removed->error().message;
  for (auto& [i, m] : members_) {
    if (m.core && m.core->id() != old_leader) {
      EXPECT_TRUE(m.core->membership().is_removed(old_leader));
    }
  }
}

TEST_F(ServerCoreTest, RemovingTheLeaderThroughAFollowerHandsLeadershipToIt) {
  for (size_t i = 0; i < 3; ++i)
    start(i);
  tick(40);
  ServerCore* lead = leader();
  ASSERT_NE(lead, nullptr);
  const NodeId old_leader = lead->id();
  ServerCore* follower =
      members_[0].core.get() == lead ? members_[1].core.get() : members_[0].core.get();
  std::optional<Result<Member>> removed;
  follower->remove_member(old_leader, [&](Result<Member> m) { removed = m; });
  settle();
  EXPECT_TRUE(follower->is_leader());
  EXPECT_FALSE(removed.has_value());
  tick(3);
  ASSERT_TRUE(removed.has_value());
  ASSERT_TRUE(removed->ok()) << removed->error().message;
  EXPECT_TRUE(follower->membership().is_removed(old_leader));
}

TEST_F(ServerCoreTest, NewMemberJoinsAsLearnerAndIsPromotedOnceCaughtUp) {
  for (size_t i = 0; i < 3; ++i)
    start(i);
  tick(40);
  for (int i = 0; i < 30; ++i)
    ASSERT_TRUE(put(*members_[0].core, "/j" + std::to_string(i), "v").result.ok());
  ServerCore* lead = leader();
  ASSERT_NE(lead, nullptr);
  std::optional<Result<Member>> added;
  lead->add_member({"http://10.0.0.4:2380"}, false, [&](Result<Member> m) { added = m; });
  settle();
  ASSERT_TRUE(added.has_value() && added->ok());
  EXPECT_TRUE((*added)->is_learner) << "a new member starts as a learner";
  cluster_.emplace_back("m4", "http://10.0.0.4:2380");
  const Membership current = lead->membership();
  start(3, 10000, &current);
  tick(40);
  ServerCore& joined = *members_[3].core;
  EXPECT_EQ(value(joined, "/j29"), "v");
  const Member* m4 = leader()->membership().find(joined.id());
  ASSERT_NE(m4, nullptr);
  EXPECT_EQ(m4->name, "m4");
  EXPECT_FALSE(m4->is_learner) << "promoted after catching up";
  size_t voters = 0;
  for (const auto& f : leader()->status().progress)
    voters += f.is_learner ? 0 : 1;
  EXPECT_EQ(voters, 4u);
}

TEST_F(ServerCoreTest, StrictReconfigRefusesRemovingAHealthyMemberWhenAnotherIsDown) {
  for (size_t i = 0; i < 3; ++i)
    start(i);
  tick(40);
  ServerCore* lead = leader();
  ASSERT_NE(lead, nullptr);
  // Stop one follower and let the leader notice it is gone.
  size_t down = 0;
  while (members_[down].core.get() == lead)
    ++down;
  const NodeId down_id = members_[down].core->id();
  crash(down);
  tick(25);
  lead = leader();
  ASSERT_NE(lead, nullptr);
  NodeId other;
  for (const auto& [id, m] : lead->membership().members()) {
    if (id != down_id && id != lead->id()) other = id;
  }
  std::optional<Result<Member>> refused;
  lead->remove_member(other, [&](Result<Member> m) { refused = m; });
  ASSERT_TRUE(refused.has_value());
  ASSERT_FALSE(refused->ok());
  EXPECT_NE(refused->error().message.find("unhealthy cluster"), std::string::npos);
  // Removing the dead one is fine: the two healthy members remain a quorum of two.
  std::optional<Result<Member>> removed;
  lead->remove_member(down_id, [&](Result<Member> m) { removed = m; });
  settle();
  ASSERT_TRUE(removed.has_value());
  EXPECT_TRUE(removed->ok()) << removed->error().message;
}

TEST_F(ServerCoreTest, ForceNewClusterRestartsOneMemberWithItsData) {
  for (size_t i = 0; i < 3; ++i)
    start(i);
  tick(40);
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(put(*members_[0].core, "/f" + std::to_string(i), "v").result.ok());
  for (size_t i = 0; i < 3; ++i)
    crash(i);  // the whole cluster is lost but member 1's disk
  start(1, 10000, nullptr, /*force_new_cluster=*/true);
  tick(30);
  ServerCore& survivor = *members_[1].core;
  EXPECT_TRUE(survivor.is_leader());
  EXPECT_EQ(survivor.membership().members().size(), 1u);
  EXPECT_EQ(value(survivor, "/f9"), "v");
  ASSERT_TRUE(put(survivor, "/after", "recovery").result.ok());
  // A plain restart afterwards stays a one-member cluster.
  crash(1);
  start(1);
  EXPECT_TRUE(members_[1].core->is_leader()) << "the sole voter elects itself without a timeout";
  tick(30);
  EXPECT_TRUE(members_[1].core->is_leader());
  EXPECT_EQ(value(*members_[1].core, "/after"), "recovery");
}

TEST_F(ServerCoreTest, ProposalWithoutLeaderFailsFast) {
  start(0);
  std::optional<ApplyResult> result;
  store::Request r;
  r.method = store::Method::put;
  r.path = "/x";
  members_[0].core->propose(r, [&](const ApplyResult& a) { result = a; });
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->result.error().cause, kErrNoLeader);
}

}  // namespace
}  // namespace etcd::server
