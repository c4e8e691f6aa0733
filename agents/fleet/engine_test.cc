#include "agents/fleet/engine.h"

#include <gtest/gtest.h>

#include <deque>

#include "agents/etcdclient/client.h"
#include "agents/etcdclient/testing/fake_etcd.h"

namespace corestack::fleet {
namespace {

using namespace std::chrono_literals;

constexpr const char* kRoot = "/_coreos.com/fleet/";

std::string key(std::string_view rest) {
  return kRoot + std::string(rest);
}

std::unique_ptr<etcd::client::Client> make_client(const std::string& url) {
  etcd::client::Config config;
  config.endpoints = {url};
  auto c = etcd::client::Client::create(config);
  EXPECT_TRUE(c);
  return std::move(*c);
}

// One fleetd's etcd side: its own Client, Registry and Engine on a shared manual clock.
struct Node {
  Node(const std::string& url, std::string id, EngineClock::time_point& now, int version = 1)
      : client(make_client(url)),
        keys(*client),
        registry(keys),
        engine(registry, EngineOptions{id, version, 2000ms, [&now] { return now; }}) {}

  std::unique_ptr<etcd::client::Client> client;
  etcd::client::KeysApi keys;
  Registry registry;
  Engine engine;
};

struct Cluster {
  Cluster() : admin_client(make_client(etcd.url())), admin_keys(*admin_client), admin(admin_keys) {}

  std::unique_ptr<Node> node(std::string id, int version = 1) {
    return std::make_unique<Node>(etcd.url(), std::move(id), now, version);
  }
  void add_machine(const std::string& id, std::map<std::string, std::string> metadata = {}) {
    MachineState m{id, "10.0.0.1", std::move(metadata), std::nullopt, "1.0.0"};
    ASSERT_TRUE(admin.register_machine(m, 30s));
  }
  void submit(const std::string& name, std::string_view xfleet = "",
              JobState desired = JobState::launched) {
    auto unit =
        UnitFile::parse("[Service]\nExecStart=/bin/sleep 1000\n[X-Fleet]\n" + std::string(xfleet));
    ASSERT_TRUE(unit);
    auto hash = admin.create_unit(*unit);
    ASSERT_TRUE(hash);
    ASSERT_TRUE(admin.create_job(name, *hash, desired));
  }
  std::string target(const std::string& name) {
    return etcd.value(key("job/" + name + "/target")).value_or("-");
  }
  std::map<std::string, int> load() {
    std::map<std::string, int> out;
    for (const auto& [k, v] : etcd.dump()) {
      if (k.ends_with("/target")) ++out[v];
    }
    return out;
  }
  // Moves both clocks: etcd's TTLs and the engines'.
  void advance(std::chrono::seconds by) {
    now += by;
    etcd.advance(by);
  }

  etcd::client::testing::FakeEtcd etcd;
  EngineClock::time_point now{};
  std::unique_ptr<etcd::client::Client> admin_client;
  etcd::client::KeysApi admin_keys;
  Registry admin;
};

TEST(Engine, PlacesUnitsOnLeastLoadedMachines) {
  Cluster c;
  for (const char* m : {"m3", "m1", "m2"})
    c.add_machine(m);
  for (int i = 0; i < 7; ++i)
    c.submit("u" + std::to_string(i) + ".service");
  auto n = c.node("m1");
  RoundResult r = n->engine.run_round(c.now);
  EXPECT_EQ(r.outcome, RoundOutcome::acted) << r.message;
  EXPECT_EQ(r.writes_applied, 7u);
  EXPECT_EQ(c.load(), (std::map<std::string, int>{{"m1", 3}, {"m2", 2}, {"m3", 2}}));
  EXPECT_EQ(c.target("u0.service"), "m1");
  EXPECT_EQ(c.target("u1.service"), "m2");
  EXPECT_EQ(c.target("u2.service"), "m3");
  // lease get + acquire, engine/version get + create, 3 reads, 7 writes, and (first round
  // as leader) the states read for lost machines' leftovers.
  EXPECT_EQ(r.requests, 15u);
  EXPECT_EQ(c.etcd.value(key("lease/engine-leader")), R"({"MachineID":"m1","Version":1})");
  EXPECT_EQ(c.etcd.value(key("engine/version")), "1");

  c.advance(2s);
  RoundResult quiet = n->engine.run_round(c.now);
  EXPECT_EQ(quiet.outcome, RoundOutcome::acted);
  EXPECT_TRUE(quiet.decisions.empty());
  EXPECT_EQ(quiet.requests, 5u);  // renew, version, units, jobs, machines
}

TEST(Engine, UnschedulesAndReplacesOnMachineLossWithinOneRound) {
  Cluster c;
  for (const char* m : {"m1", "m2", "m3"})
    c.add_machine(m);
  for (int i = 0; i < 6; ++i)
    c.submit("u" + std::to_string(i) + ".service");
  auto n = c.node("m1");
  ASSERT_EQ(n->engine.run_round(c.now).outcome, RoundOutcome::acted);
  ASSERT_EQ(c.load()["m2"], 2);
  ASSERT_TRUE(c.admin.remove_machine("m2"));  // as an expired object looks
  c.advance(2s);
  RoundResult r = n->engine.run_round(c.now);
  ASSERT_EQ(r.outcome, RoundOutcome::acted) << r.message;
  EXPECT_EQ(c.load(), (std::map<std::string, int>{{"m1", 3}, {"m3", 3}}));
  int unscheduled = 0;
  for (const Decision& d : r.decisions) {
    if (d.kind == DecisionKind::unschedule) {
      ++unscheduled;
      EXPECT_EQ(d.reason, "target Machine(m2) went away");
    }
  }
  EXPECT_EQ(unscheduled, 2);
}

TEST(Engine, MachinesMissingJustAfterAnOutageGetTimeToRegisterAgain) {
  Cluster c;
  for (const char* m : {"m1", "m2"})
    c.add_machine(m);
  c.submit("a.service", "MachineMetadata=\n");
  auto client = make_client(c.etcd.url());
  etcd::client::KeysApi keys(*client);
  Registry registry(keys);
  Engine engine(registry, EngineOptions{"m1", 1, 2000ms, [&c] { return c.now; }, 16s});
  ASSERT_EQ(engine.run_round(c.now).outcome, RoundOutcome::acted);
  const std::string placed = c.target("a.service");
  ASSERT_NE(placed, "-");
  // etcd unreachable for one round; meanwhile the machine's key expired.
  c.etcd.fail_next("PUT", "lease/engine-leader", 500, 300, "raft internal error");
  c.advance(2s);
  ASSERT_EQ(engine.run_round(c.now).outcome, RoundOutcome::failed);
  ASSERT_TRUE(c.admin.remove_machine(placed));
  c.advance(2s);
  RoundResult r = engine.run_round(c.now);
  EXPECT_EQ(r.outcome, RoundOutcome::settling) << r.message;
  EXPECT_EQ(c.target("a.service"), placed);
  // It registers again: nothing moves, and rounds act normally.
  c.add_machine(placed);
  c.advance(2s);
  EXPECT_EQ(engine.run_round(c.now).outcome, RoundOutcome::acted);
  EXPECT_EQ(c.target("a.service"), placed);
  // Lost for real: once the grace has run out the unit moves.
  ASSERT_TRUE(c.admin.remove_machine(placed));
  c.advance(2s);
  r = engine.run_round(c.now);
  if (r.outcome == RoundOutcome::settling) {
    c.advance(16s);
    r = engine.run_round(c.now);
  }
  ASSERT_EQ(r.outcome, RoundOutcome::acted) << r.message;
  EXPECT_NE(c.target("a.service"), placed);
  EXPECT_NE(c.target("a.service"), "-");
}

TEST(Engine, StatesOfLostMachinesArePurged) {
  Cluster c;
  for (const char* m : {"m1", "m2"})
    c.add_machine(m);
  const std::string hash(40, 'a');
  for (const char* m : {"m1", "m2"}) {
    ASSERT_TRUE(c.admin.publish_unit_state(
        "g.service", m, make_unit_state("loaded", "active", "running", m, hash), 30s));
  }
  ASSERT_TRUE(c.admin.publish_unit_state(
      "gone.service", "m9", make_unit_state("loaded", "active", "running", "m9", hash), 30s));
  auto n = c.node("m1");
  // The first round as leader drops what machines no longer alive left behind.
  ASSERT_EQ(n->engine.run_round(c.now).outcome, RoundOutcome::acted);
  EXPECT_FALSE(c.etcd.value(key("states/gone.service/m9")));
  EXPECT_TRUE(c.etcd.value(key("states/g.service/m2")));
  // A machine that goes away: its states go with it, the others stay.
  ASSERT_TRUE(c.admin.remove_machine("m2"));
  c.advance(2s);
  ASSERT_EQ(n->engine.run_round(c.now).outcome, RoundOutcome::acted);
  EXPECT_FALSE(c.etcd.value(key("states/g.service/m2")));
  EXPECT_TRUE(c.etcd.value(key("states/g.service/m1")));
  EXPECT_TRUE(c.etcd.value(key("state/g.service")));  // the legacy key may be m1's
  // Quiet rounds read no states.
  c.advance(2s);
  const RoundResult quiet = n->engine.run_round(c.now);
  c.advance(2s);
  EXPECT_EQ(n->engine.run_round(c.now).requests, quiet.requests);
}

TEST(Engine, MachineExpiryIsNoticedByTtl) {
  Cluster c;
  c.add_machine("m1");
  c.submit("a.service");
  auto n = c.node("m1");
  ASSERT_EQ(n->engine.run_round(c.now).outcome, RoundOutcome::acted);
  EXPECT_EQ(c.target("a.service"), "m1");
  c.add_machine("m2");
  for (int i = 0; i < 16; ++i) {
    c.advance(2s);  // m1 never heartbeats; m2 does
    ASSERT_TRUE(c.admin.refresh_machine({"m2", "10.0.0.2", std::nullopt, std::nullopt, ""}, 30s));
    ASSERT_EQ(n->engine.run_round(c.now).outcome, RoundOutcome::acted);
  }
  EXPECT_EQ(c.target("a.service"), "m2");
}

TEST(Engine, WritesReasonsForUnschedulableUnitsAndClearsThemWhenPlaced) {
  Cluster c;
  c.add_machine("m1", {{"region", "us"}});
  c.submit("asia.service", "MachineMetadata=region=asia\n");
  auto n = c.node("m1");
  RoundResult r = n->engine.run_round(c.now);
  ASSERT_EQ(r.outcome, RoundOutcome::acted);
  const std::string reason_key = key("job/asia.service/unschedulable");
  EXPECT_EQ(c.etcd.value(reason_key),
            "no machine matches metadata region=asia; m1: machine metadata region=us does not "
            "match region=asia");
  EXPECT_EQ(c.etcd.ttl(reason_key), 10u);

  // Unchanged: no write until half the TTL is gone, then a refresh.
  const uint64_t index = c.etcd.index();
  c.advance(2s);
  RoundResult quiet = n->engine.run_round(c.now);
  EXPECT_EQ(quiet.requests, 5u);
  EXPECT_EQ(c.etcd.index(), index + 1);  // only the lease renewal
  c.advance(4s);
  ASSERT_EQ(n->engine.run_round(c.now).outcome, RoundOutcome::acted);
  EXPECT_EQ(c.etcd.ttl(reason_key), 10u);
  EXPECT_NE(c.etcd.requests().back().body.find("refresh=true"), std::string::npos);

  c.add_machine("m2", {{"region", "asia"}});
  c.advance(2s);
  ASSERT_EQ(n->engine.run_round(c.now).outcome, RoundOutcome::acted);
  EXPECT_EQ(c.target("asia.service"), "m2");
  EXPECT_FALSE(c.etcd.value(reason_key));
}

TEST(Engine, ANonLeaderDoesNothing) {
  Cluster c;
  c.add_machine("m1");
  c.add_machine("m2");
  auto a = c.node("m1");
  auto b = c.node("m2");
  ASSERT_EQ(a->engine.run_round(c.now).outcome, RoundOutcome::acted);
  c.submit("a.service");
  const uint64_t index = c.etcd.index();
  RoundResult r = b->engine.run_round(c.now);
  EXPECT_EQ(r.outcome, RoundOutcome::not_leader);
  EXPECT_TRUE(r.decisions.empty());
  EXPECT_EQ(r.requests, 1u);  // one read of the lease
  EXPECT_EQ(c.etcd.index(), index);
  EXPECT_FALSE(b->engine.is_leader());
  EXPECT_TRUE(a->engine.is_leader());
}

TEST(Engine, ASecondEngineWithTheSameVersionDoesNotStealButTakesOverAfterExpiry) {
  Cluster c;
  c.add_machine("m1");
  c.add_machine("m2");
  auto a = c.node("m1");
  auto b = c.node("m2");
  ASSERT_EQ(a->engine.run_round(c.now).outcome, RoundOutcome::acted);
  for (int i = 0; i < 4; ++i) {
    c.advance(2s);
    EXPECT_EQ(b->engine.run_round(c.now).outcome, RoundOutcome::not_leader);
  }
  EXPECT_EQ(c.etcd.value(key("lease/engine-leader")), R"({"MachineID":"m1","Version":1})");
  c.advance(3s);  // a stopped renewing 11 s ago: the 10 s lease expired
  EXPECT_EQ(b->engine.run_round(c.now).outcome, RoundOutcome::acted);
  // a notices on its next renewal and stands down.
  RoundResult old = a->engine.run_round(c.now);
  EXPECT_EQ(old.outcome, RoundOutcome::not_leader);
  EXPECT_FALSE(a->engine.is_leader());
}

TEST(Engine, ANewerEngineStealsAndWaitsOutTheOldLease) {
  Cluster c;
  c.add_machine("m1");
  c.submit("a.service");
  auto old_engine = c.node("m1", 1);
  auto new_engine = c.node("m2", 2);
  ASSERT_EQ(old_engine->engine.run_round(c.now).outcome, RoundOutcome::acted);
  c.advance(4s);  // 6 s left on the old lease
  RoundResult r = new_engine->engine.run_round(c.now);
  EXPECT_EQ(r.outcome, RoundOutcome::stealing);
  EXPECT_EQ(c.etcd.ttl(key("lease/engine-leader")), 16u);
  c.advance(2s);
  EXPECT_EQ(new_engine->engine.run_round(c.now).outcome, RoundOutcome::stealing);
  EXPECT_EQ(old_engine->engine.run_round(c.now).outcome, RoundOutcome::not_leader);
  c.advance(4s);
  EXPECT_EQ(new_engine->engine.run_round(c.now).outcome, RoundOutcome::acted);
  EXPECT_EQ(c.etcd.value(key("engine/version")), "2");
  // The old engine now sees a newer lease it may not steal, and a newer engine/version.
  c.advance(2s);
  EXPECT_EQ(old_engine->engine.run_round(c.now).outcome, RoundOutcome::not_leader);
}

TEST(Engine, RefusesToActBelowTheClusterEngineVersion) {
  Cluster c;
  c.add_machine("m1");
  c.submit("a.service");
  c.etcd.put(key("engine/version"), "2");
  auto n = c.node("m1", 1);
  RoundResult r = n->engine.run_round(c.now);
  EXPECT_EQ(r.outcome, RoundOutcome::version_behind);
  EXPECT_EQ(r.message, "engine/version 2 is newer than ours (1): not acting");
  EXPECT_EQ(c.target("a.service"), "-");
}

TEST(Engine, ARoundPastTheLeaseStopsWriting) {
  Cluster c;
  c.add_machine("m1");
  c.submit("a.service");
  auto n = c.node("m1");
  // The machines read takes "11 s": the lease may have gone to another engine.
  c.etcd.on_next("GET", "fleet/machines", [&] { c.now += 11s; });
  RoundResult r = n->engine.run_round(c.now);
  EXPECT_EQ(r.outcome, RoundOutcome::lease_expired);
  EXPECT_EQ(r.writes_applied, 0u);
  EXPECT_EQ(c.target("a.service"), "-");
}

TEST(Engine, UnscheduleOnlyWhileStillTargetedThere) {
  Cluster c;
  c.add_machine("m1");
  c.submit("a.service");
  auto n = c.node("m1");
  ASSERT_EQ(n->engine.run_round(c.now).outcome, RoundOutcome::acted);
  ASSERT_TRUE(c.admin.set_target_state("a.service", JobState::inactive));
  // Between the engine's read and its delete, someone re-targets the job.
  c.etcd.on_next("DELETE", "a.service/target",
                 [&] { c.etcd.put(key("job/a.service/target"), "m9"); });
  c.advance(2s);
  RoundResult r = n->engine.run_round(c.now);
  EXPECT_EQ(r.outcome, RoundOutcome::acted);
  EXPECT_EQ(r.writes_failed, 1u);
  EXPECT_EQ(c.target("a.service"), "m9");
}

TEST(Engine, ARestartedEngineResumesItsOwnLease) {
  Cluster c;
  c.add_machine("m1");
  auto before = c.node("m1");
  ASSERT_EQ(before->engine.run_round(c.now).outcome, RoundOutcome::acted);
  auto after = c.node("m1");  // same machine ID, no memory of the lease
  c.advance(2s);
  EXPECT_EQ(after->engine.run_round(c.now).outcome, RoundOutcome::acted);
  EXPECT_TRUE(after->engine.is_leader());
}

TEST(Engine, ReleaseLetsAnotherEngineLeadAtOnce) {
  Cluster c;
  c.add_machine("m1");
  auto a = c.node("m1");
  auto b = c.node("m2");
  ASSERT_EQ(a->engine.run_round(c.now).outcome, RoundOutcome::acted);
  a->engine.release_lease();
  EXPECT_FALSE(c.etcd.value(key("lease/engine-leader")));
  EXPECT_EQ(b->engine.run_round(c.now).outcome, RoundOutcome::acted);
}

TEST(Engine, AnUnreachableClusterFailsTheRound) {
  EngineClock::time_point now{};
  Node n(etcd::client::testing::FakeHttpServer::refused_url(), "m1", now);
  RoundResult r = n.engine.run_round(now);
  EXPECT_EQ(r.outcome, RoundOutcome::failed);
  EXPECT_TRUE(
      r.message.starts_with("reading the engine lease: client: etcd cluster is "
                            "unavailable"))
      << r.message;
  EXPECT_FALSE(n.engine.is_leader());
}

TEST(Engine, WakesOnScheduleRelevantChangesOnly) {
  Cluster c;
  auto n = c.node("m1");
  ASSERT_EQ(n->engine.run_round(c.now).outcome, RoundOutcome::acted);
  const uint64_t seen = c.etcd.index();
  auto wakes = [&](std::string k, std::string action, uint64_t index = 0) {
    return n->engine.wakes({key(k), std::move(action), index == 0 ? seen + 1 : index});
  };
  EXPECT_TRUE(wakes("job/a.service/target", "delete"));
  EXPECT_TRUE(wakes("job/a.service/target-state", "set"));
  EXPECT_TRUE(wakes("job/a.service/object", "set"));
  EXPECT_TRUE(wakes("job/a.service", "delete"));
  EXPECT_TRUE(wakes("machines/m2/object", "create"));
  EXPECT_TRUE(wakes("machines/m2/object", "expire"));
  EXPECT_FALSE(wakes("machines/m2/object", "update"));  // heartbeat
  EXPECT_FALSE(wakes("machines/m2/metadata/disk", "set"));
  EXPECT_FALSE(wakes("job/a.service/job-state", "set"));
  EXPECT_FALSE(wakes("job/a.service/unschedulable", "set"));    // our own reasons
  EXPECT_FALSE(wakes("job/a.service/target", "create", seen));  // seen by the last round
  EXPECT_TRUE(n->engine.wakes({key("job"), "resync", 1}));
}

// A ChangeSource whose waits advance the manual clock; scripted events arrive at the
// wait they are queued for.
struct ScriptedChanges : ChangeSource {
  explicit ScriptedChanges(Cluster& c) : cluster(c) {}
  std::vector<ChangeEvent> wait_for_changes(std::chrono::milliseconds timeout) override {
    ++waits;
    if (on_wait) on_wait(waits);
    if (!script.empty()) {
      auto events = std::move(script.front());
      script.pop_front();
      cluster.now += 10ms;
      return events;
    }
    cluster.now += timeout;
    return {};
  }
  Cluster& cluster;
  std::deque<std::vector<ChangeEvent>> script;
  std::function<void(int)> on_wait;
  int waits = 0;
};

TEST(Engine, RunUntilStoppedRoundsOnTheTimerAndEarlyOnChanges) {
  Cluster c;
  c.add_machine("m1");
  auto n = c.node("m1");
  ScriptedChanges changes(c);
  std::atomic<bool> stop{false};
  changes.on_wait = [&](int waits) {
    if (waits == 5) {  // after the first 2 s wait: submit a unit, and report it
      c.submit("a.service");
      changes.script.push_back({{key("job/a.service/target-state"), "set", c.etcd.index()}});
    }
    if (waits == 7) stop = true;
  };
  n->engine.run_until_stopped(stop, changes);
  EXPECT_EQ(c.target("a.service"), "m1");
}

TEST(Engine, EtcdChangeSourceReportsJobAndMachineChanges) {
  Cluster c;
  etcd::client::Config config;
  config.endpoints = {c.etcd.url()};
  EtcdChangeSource source(config, c.admin.keys(), 200ms);
  auto second = source.subscribe();
  std::this_thread::sleep_for(100ms);  // let both watches start
  c.submit("a.service");
  c.add_machine("m1");
  std::vector<ChangeEvent> seen;
  for (int i = 0; i < 20 && seen.size() < 4; ++i) {
    auto events = source.wait_for_changes(200ms);
    seen.insert(seen.end(), events.begin(), events.end());
  }
  std::set<std::string> keys;
  for (const ChangeEvent& e : seen)
    keys.insert(e.key);
  EXPECT_TRUE(keys.contains(key("job/a.service/object")));
  EXPECT_TRUE(keys.contains(key("job/a.service/target-state")));
  EXPECT_TRUE(keys.contains(key("machines/m1/object")));
  std::set<std::string> also;  // the second reader got the same events
  for (int i = 0; i < 20 && also.size() < keys.size(); ++i) {
    for (const ChangeEvent& e : second->wait_for_changes(200ms))
      also.insert(e.key);
  }
  EXPECT_EQ(also, keys);
  EXPECT_FALSE(keys.contains(
      key("unit/") +
      UnitFile::parse("[Service]\nExecStart=/bin/sleep 1000\n[X-Fleet]\n")->hash().hex()));
}

TEST(Engine, AgentsWakeOnPlacementChangesNotOnHeartbeats) {
  KeySchema keys;
  auto wakes = [&](std::string_view rest, std::string action) {
    return changes_job_placement(keys, {key(rest), std::move(action), 7});
  };
  EXPECT_TRUE(wakes("job/a.service/target", "create"));
  EXPECT_TRUE(wakes("job/a.service/target", "compareAndDelete"));
  EXPECT_TRUE(wakes("job/a.service/target-state", "set"));
  EXPECT_TRUE(wakes("job/a.service/object", "set"));
  EXPECT_TRUE(wakes("job/a.service", "delete"));          // destroyed
  EXPECT_TRUE(wakes("job", "resync"));                    // events were lost
  EXPECT_FALSE(wakes("job/a.service/job-state", "set"));  // every agent's heartbeat
  EXPECT_FALSE(wakes("job/a.service/job-state", "expire"));
  EXPECT_FALSE(wakes("job/a.service/unschedulable", "set"));
  EXPECT_FALSE(wakes("machines/m1/object", "update"));
}

TEST(Engine, EtcdChangeSourceStopsALongPollAtOnce) {
  Cluster c;
  etcd::client::Config config;
  config.endpoints = {c.etcd.url()};
  const auto start = std::chrono::steady_clock::now();
  {
    EtcdChangeSource source(config, c.admin.keys(), 60s, EtcdChangeSource::Watch::jobs);
    source.wait_for_changes(300ms);  // both polls are in flight by now, or soon
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);  // not the 60 s poll
}

}  // namespace
}  // namespace corestack::fleet
