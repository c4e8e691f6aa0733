#include "agents/fleet/registry.h"

#include <gtest/gtest.h>

#include "agents/etcdclient/client.h"
#include "agents/etcdclient/testing/fake_etcd.h"

namespace corestack::fleet {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSleepUnit = "[Service]\nExecStart=/bin/sleep 100\n";
constexpr const char* kSleepHash = "1c6fb6f3684bafb0c173d8b8b957ceff031180c1";
constexpr const char* kRoot = "/_coreos.com/fleet/";

std::string key(std::string_view rest) {
  return kRoot + std::string(rest);
}

UnitFile unit(std::string_view text) {
  auto u = UnitFile::parse(text);
  EXPECT_TRUE(u) << (u ? "" : u.error());
  return u ? *u : UnitFile{};
}

MachineState machine(std::string id, std::string ip = "10.0.0.1") {
  return MachineState{
      std::move(id), std::move(ip), std::map<std::string, std::string>{{"region", "us"}},
      std::map<std::string, bool>{{"DISABLE_ENGINE", false}, {"GRPC", false}}, "1.0.0"};
}

std::unique_ptr<etcd::client::Client> make_client(const std::string& url) {
  etcd::client::Config config;
  config.endpoints = {url};
  auto c = etcd::client::Client::create(config);
  EXPECT_TRUE(c);
  return std::move(*c);
}

struct Harness {
  Harness() : client(make_client(etcd.url())), keys(*client), registry(keys) {}

  // The last request's method + target.
  std::string last() {
    auto r = etcd.requests();
    return r.empty() ? "" : r.back().method + " " + r.back().target;
  }
  std::string last_body() { return etcd.requests().back().body; }

  etcd::client::testing::FakeEtcd etcd;
  std::unique_ptr<etcd::client::Client> client;
  etcd::client::KeysApi keys;
  Registry registry;
};

TEST(Registry, CreateUnitIsContentAddressedAndCreateOnly) {
  Harness h;
  auto hash = h.registry.create_unit(unit("# comment\n[Service]\nExecStart = /bin/sleep 100\n"));
  ASSERT_TRUE(hash) << hash.error().message;
  EXPECT_EQ(hash->hex(), kSleepHash);
  EXPECT_EQ(h.etcd.value(key("unit/") + kSleepHash),
            R"({"Raw":"[Service]\nExecStart=/bin/sleep 100\n"})");
  EXPECT_NE(h.last().find("prevExist=false"), std::string::npos) << h.last();
  // The same content again: 105, which is fine.
  EXPECT_TRUE(h.registry.create_unit(unit(kSleepUnit)));
  EXPECT_EQ(h.registry.requests(), 2u);
}

TEST(Registry, GetUnitsIsOneQuorumReadAndSkipsBadOnes) {
  Harness h;
  auto empty = h.registry.get_units();
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  ASSERT_TRUE(h.registry.create_unit(unit(kSleepUnit)));
  h.etcd.put(key("unit/0000000000000000000000000000000000000000"),
             R"({"Raw":"[Service]\nExecStart=/bin/true\n"})");  // hash does not match
  h.etcd.put(key("unit/1111111111111111111111111111111111111111"), "not json");
  const uint64_t before = h.registry.requests();
  auto units = h.registry.get_units();
  ASSERT_TRUE(units);
  EXPECT_EQ(h.registry.requests() - before, 1u);
  EXPECT_EQ(h.last(), "GET /v2/keys/_coreos.com/fleet/unit?quorum=true&recursive=true&sorted=true")
      << h.last();
  ASSERT_EQ(units->size(), 1u);
  EXPECT_EQ(units->begin()->first.hex(), kSleepHash);
  EXPECT_EQ(units->begin()->second.serialize(), kSleepUnit);
  auto one = h.registry.get_unit(units->begin()->first);
  ASSERT_TRUE(one && *one);
  EXPECT_EQ((*one)->serialize(), kSleepUnit);
}

TEST(Registry, JobKeysAndValuesAreByteExact) {
  Harness h;
  const UnitHash hash = unit(kSleepUnit).hash();
  ASSERT_TRUE(h.registry.create_job("hello.service", hash, JobState::launched));
  EXPECT_EQ(h.etcd.value(key("job/hello.service/object")),
            R"({"Name":"hello.service","UnitHash":)"
            R"([28,111,182,243,104,75,175,176,193,115,216,184,185,87,206,255,3,17,128,193]})");
  EXPECT_EQ(h.etcd.value(key("job/hello.service/target-state")), "launched");
  ASSERT_TRUE(h.registry.set_target_state("hello.service", JobState::loaded));
  EXPECT_EQ(h.etcd.value(key("job/hello.service/target-state")), "loaded");
  // --replace: object is a plain set.
  ASSERT_TRUE(h.registry.create_job("hello.service", hash, JobState::inactive));
  EXPECT_EQ(h.last(), "PUT /v2/keys/_coreos.com/fleet/job/hello.service/target-state");
}

TEST(Registry, GetJobsReadsEveryFieldInNameOrder) {
  Harness h;
  const UnitHash hash = unit(kSleepUnit).hash();
  ASSERT_TRUE(h.registry.create_job("b.service", hash, JobState::launched));
  ASSERT_TRUE(h.registry.create_job("a.service", hash, JobState::loaded));
  ASSERT_TRUE(h.registry.schedule("b.service", "m1"));
  ASSERT_TRUE(h.registry.set_job_state_heartbeat("b.service", "m1", 30s));
  ASSERT_TRUE(h.registry.set_unschedulable_reason("a.service", "no machine", 10s));
  h.etcd.put(key("job/c.service/target"), "m2");  // no object: skipped
  h.etcd.put(key("job/d.service/object"), "{");   // bad object: skipped
  h.etcd.put(key("job/e.service/object"), R"({"Name":"e.service","UnitHash":[]})");
  h.etcd.put(key("job/e.service/target-state"), "running");  // invalid: inactive
  uint64_t index = 0;
  auto jobs = h.registry.get_jobs(&index);
  ASSERT_TRUE(jobs);
  EXPECT_EQ(index, h.etcd.index());
  EXPECT_EQ(h.last(), "GET /v2/keys/_coreos.com/fleet/job?quorum=true&recursive=true&sorted=true");
  ASSERT_EQ(jobs->size(), 3u);
  const RegistryJob& a = (*jobs)[0];
  EXPECT_EQ(a.name, "a.service");
  EXPECT_EQ(a.unit_hash, hash);
  EXPECT_EQ(a.target_state, JobState::loaded);
  EXPECT_FALSE(a.target);
  EXPECT_EQ(a.unschedulable, "no machine");
  EXPECT_EQ(a.unschedulable_ttl_s, 10);
  const RegistryJob& b = (*jobs)[1];
  EXPECT_EQ(b.target, "m1");
  EXPECT_EQ(b.job_state, "m1");
  EXPECT_FALSE(b.unschedulable);
  EXPECT_EQ((*jobs)[2].name, "e.service");
  EXPECT_EQ((*jobs)[2].target_state, JobState::inactive);
}

TEST(Registry, ScheduleIsCreateOnlyAndUnscheduleComparesTheMachine) {
  Harness h;
  ASSERT_TRUE(h.registry.schedule("a.service", "m1"));
  EXPECT_EQ(h.last(), "PUT /v2/keys/_coreos.com/fleet/job/a.service/target?prevExist=false");
  EXPECT_EQ(h.last_body(), "value=m1");
  auto again = h.registry.schedule("a.service", "m2");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, RegistryErrorKind::exists);
  EXPECT_EQ(h.etcd.value(key("job/a.service/target")), "m1");

  auto wrong = h.registry.unschedule("a.service", "m2");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().kind, RegistryErrorKind::compare_failed);
  EXPECT_EQ(h.etcd.value(key("job/a.service/target")), "m1");
  ASSERT_TRUE(h.registry.unschedule("a.service", "m1"));
  EXPECT_EQ(h.last(), "DELETE /v2/keys/_coreos.com/fleet/job/a.service/target?prevValue=m1");
  EXPECT_FALSE(h.etcd.value(key("job/a.service/target")));
  auto gone = h.registry.unschedule("a.service", "m1");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().kind, RegistryErrorKind::not_found);
}

TEST(Registry, JobStateHeartbeatHasTtlAndClears) {
  Harness h;
  ASSERT_TRUE(h.registry.set_job_state_heartbeat("a.service", "m1", 30s));
  EXPECT_EQ(h.etcd.value(key("job/a.service/job-state")), "m1");
  EXPECT_EQ(h.etcd.ttl(key("job/a.service/job-state")), 30u);
  ASSERT_TRUE(h.registry.clear_job_state("a.service"));
  EXPECT_FALSE(h.etcd.value(key("job/a.service/job-state")));
  EXPECT_TRUE(h.registry.clear_job_state("a.service"));  // absent is fine
}

TEST(Registry, UnschedulableReasonSetRefreshClear) {
  Harness h;
  ASSERT_TRUE(h.registry.set_unschedulable_reason("a.service", "why", 10s));
  EXPECT_EQ(h.etcd.value(key("job/a.service/unschedulable")), "why");
  EXPECT_EQ(h.etcd.ttl(key("job/a.service/unschedulable")), 10u);
  h.etcd.advance(6s);
  ASSERT_TRUE(h.registry.refresh_unschedulable_reason("a.service", 10s));
  EXPECT_NE(h.last_body().find("refresh=true"), std::string::npos);
  EXPECT_EQ(h.etcd.ttl(key("job/a.service/unschedulable")), 10u);
  EXPECT_EQ(h.etcd.value(key("job/a.service/unschedulable")), "why");
  h.etcd.advance(10s);
  EXPECT_FALSE(h.etcd.value(key("job/a.service/unschedulable")));  // stale reasons vanish
  ASSERT_TRUE(h.registry.set_unschedulable_reason("a.service", "why", 10s));
  ASSERT_TRUE(h.registry.clear_unschedulable_reason("a.service"));
  EXPECT_FALSE(h.etcd.value(key("job/a.service/unschedulable")));
  EXPECT_TRUE(h.registry.clear_unschedulable_reason("a.service"));
}

TEST(Registry, UnitStatesAreWrittenTwiceWithTtl) {
  Harness h;
  const UnitStateRecord state = make_unit_state("loaded", "active", "running", "m1", kSleepHash);
  ASSERT_TRUE(h.registry.publish_unit_state("a.service", "m1", state, 30s));
  const std::string json =
      R"({"loadState":"loaded","activeState":"active","subState":"running","machineState":)"
      R"({"ID":"m1","PublicIP":"","Metadata":null,"Capabilities":null,"Version":""},)"
      R"("unitHash":"1c6fb6f3684bafb0c173d8b8b957ceff031180c1"})";
  EXPECT_EQ(h.etcd.value(key("states/a.service/m1")), json);
  EXPECT_EQ(h.etcd.value(key("state/a.service")), json);
  EXPECT_EQ(h.etcd.ttl(key("states/a.service/m1")), 30u);
  EXPECT_EQ(h.etcd.ttl(key("state/a.service")), 30u);

  auto refused = h.registry.publish_unit_state(
      "b.service", "m1", make_unit_state("loaded", "active", "running", "m1", ""), 30s);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, RegistryErrorKind::invalid);
  EXPECT_FALSE(h.etcd.value(key("state/b.service")));

  ASSERT_TRUE(h.registry.publish_unit_state(
      "a.service", "m2", make_unit_state("loaded", "failed", "failed", "m2", kSleepHash), 30s));
  h.etcd.put(key("states/a.service/m3"), "garbage");
  auto states = h.registry.get_unit_states();
  ASSERT_TRUE(states);
  ASSERT_EQ(states->size(), 2u);
  EXPECT_EQ((*states)[0].machine_id, "m1");
  EXPECT_EQ((*states)[0].record, state);
  EXPECT_EQ((*states)[1].machine_id, "m2");
  EXPECT_EQ((*states)[1].record.active_state, "failed");

  ASSERT_TRUE(h.registry.remove_unit_state("a.service", "m1"));
  EXPECT_FALSE(h.etcd.value(key("states/a.service/m1")));
  EXPECT_FALSE(h.etcd.value(key("state/a.service")));
  EXPECT_TRUE(h.etcd.value(key("states/a.service/m2")));
  ASSERT_TRUE(h.registry.remove_unit_states("a.service"));
  EXPECT_FALSE(h.etcd.value(key("states/a.service/m2")));
  EXPECT_TRUE(h.registry.remove_unit_states("a.service"));
}

TEST(Registry, DestroyJobDeletesItsDirectoryAndStates) {
  Harness h;
  ASSERT_TRUE(h.registry.create_job("a.service", unit(kSleepUnit).hash(), JobState::launched));
  ASSERT_TRUE(h.registry.schedule("a.service", "m1"));
  ASSERT_TRUE(h.registry.publish_unit_state(
      "a.service", "m1", make_unit_state("loaded", "active", "running", "m1", kSleepHash), 30s));
  ASSERT_TRUE(h.registry.destroy_job("a.service"));
  EXPECT_EQ(h.etcd.dump(), (std::map<std::string, std::string>{}));
  auto again = h.registry.destroy_job("a.service");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, RegistryErrorKind::not_found);
}

TEST(Registry, DuplicateMachineRegistrationIsTyped) {
  Harness h;
  ASSERT_TRUE(h.registry.register_machine(machine("m1"), 30s));
  EXPECT_EQ(h.last(), "PUT /v2/keys/_coreos.com/fleet/machines/m1/object?prevExist=false");
  EXPECT_EQ(h.etcd.value(key("machines/m1/object")),
            R"({"ID":"m1","PublicIP":"10.0.0.1","Metadata":{"region":"us"},)"
            R"("Capabilities":{"DISABLE_ENGINE":false,"GRPC":false},"Version":"1.0.0"})");
  EXPECT_EQ(h.etcd.ttl(key("machines/m1/object")), 30u);
  auto twice = h.registry.register_machine(machine("m1", "10.0.0.2"), 30s);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().kind, RegistryErrorKind::already_registered);
  EXPECT_NE(h.etcd.value(key("machines/m1/object"))->find("10.0.0.1"), std::string::npos);
}

TEST(Registry, RefreshUpdatesOrRecreatesAfterExpiry) {
  Harness h;
  ASSERT_TRUE(h.registry.register_machine(machine("m1"), 30s));
  h.etcd.advance(20s);
  ASSERT_TRUE(h.registry.refresh_machine(machine("m1", "10.0.0.9"), 30s));
  EXPECT_EQ(h.last(), "PUT /v2/keys/_coreos.com/fleet/machines/m1/object?prevExist=true");
  EXPECT_EQ(h.etcd.ttl(key("machines/m1/object")), 30u);
  h.etcd.advance(31s);
  EXPECT_FALSE(h.etcd.value(key("machines/m1/object")));
  ASSERT_TRUE(h.registry.refresh_machine(machine("m1"), 30s));
  EXPECT_EQ(h.last(), "PUT /v2/keys/_coreos.com/fleet/machines/m1/object?prevExist=false");
  EXPECT_TRUE(h.etcd.value(key("machines/m1/object")));
}

TEST(Registry, MachinesNeedAnObjectAndOverlayDynamicMetadata) {
  Harness h;
  ASSERT_TRUE(h.registry.register_machine(machine("m1"), 30s));
  ASSERT_TRUE(h.registry.register_machine(machine("m2"), 30s));
  ASSERT_TRUE(h.registry.set_machine_metadata("m1", "disk", "ssd"));
  EXPECT_EQ(h.etcd.value(key("machines/m1/metadata/disk")), "ssd");
  ASSERT_TRUE(h.registry.set_machine_metadata("m1", "region", ""));   // "" deletes
  ASSERT_TRUE(h.registry.set_machine_metadata("m3", "disk", "hdd"));  // unknown machine
  ASSERT_TRUE(h.registry.remove_machine("m2"));
  uint64_t index = 0;
  auto machines = h.registry.get_machines(&index);
  ASSERT_TRUE(machines);
  EXPECT_EQ(index, h.etcd.index());
  ASSERT_EQ(machines->size(), 1u);  // m2 left, m3 never had an object
  EXPECT_EQ((*machines)[0].state.id, "m1");
  EXPECT_EQ((*machines)[0].metadata, (std::map<std::string, std::string>{{"disk", "ssd"}}));
  ASSERT_TRUE(h.registry.delete_machine_metadata("m1", "disk"));
  EXPECT_FALSE(h.etcd.value(key("machines/m1/metadata/disk")));
  EXPECT_TRUE(h.etcd.value(key("machines/m3/metadata/disk")));  // survives without object
}

TEST(Registry, LeaseAcquireRenewRelease) {
  Harness h;
  auto got = h.registry.acquire_lease("m1", 1, 10s);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ(h.last(), "PUT /v2/keys/_coreos.com/fleet/lease/engine-leader?prevExist=false");
  EXPECT_EQ(h.etcd.value(key("lease/engine-leader")), R"({"MachineID":"m1","Version":1})");
  EXPECT_EQ(h.etcd.ttl(key("lease/engine-leader")), 10u);
  auto other = h.registry.acquire_lease("m2", 1, 10s);
  ASSERT_TRUE(other);
  EXPECT_FALSE(*other);

  const EngineLease first = **got;
  auto renewed = h.registry.renew_lease(first, 10s);
  ASSERT_TRUE(renewed);
  EXPECT_EQ(h.last(), "PUT /v2/keys/_coreos.com/fleet/lease/engine-leader?prevIndex=" +
                          std::to_string(first.index));
  EXPECT_GT(renewed->index, first.index);
  auto stale = h.registry.renew_lease(first, 10s);  // the index moved on
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().kind, RegistryErrorKind::lease_lost);

  auto stale_release = h.registry.release_lease(first);
  ASSERT_FALSE(stale_release);
  EXPECT_EQ(stale_release.error().kind, RegistryErrorKind::lease_lost);
  ASSERT_TRUE(h.registry.release_lease(*renewed));
  EXPECT_EQ(h.last(), "DELETE /v2/keys/_coreos.com/fleet/lease/engine-leader?prevIndex=" +
                          std::to_string(renewed->index));
  EXPECT_FALSE(h.etcd.value(key("lease/engine-leader")));
  auto none = h.registry.get_lease();
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST(Registry, LeaseExpiresAndIsLostOnRenew) {
  Harness h;
  auto got = h.registry.acquire_lease("m1", 1, 10s);
  ASSERT_TRUE(got && *got);
  h.etcd.advance(10s);
  auto renewed = h.registry.renew_lease(**got, 10s);
  ASSERT_FALSE(renewed);
  EXPECT_EQ(renewed.error().kind, RegistryErrorKind::lease_lost);
}

TEST(Registry, StealOnlyFromAnOlderVersionWithTheRemainingTime) {
  Harness h;
  ASSERT_TRUE(h.registry.acquire_lease("m1", 1, 10s));
  h.etcd.advance(4s);
  auto held = h.registry.get_lease();
  ASSERT_TRUE(held && *held);
  EXPECT_EQ((*held)->machine_id, "m1");
  EXPECT_EQ((*held)->version, 1);
  EXPECT_EQ((*held)->ttl_s, 6);
  auto same = h.registry.steal_lease(**held, "m2", 1, 10s);
  ASSERT_FALSE(same);
  EXPECT_EQ(same.error().kind, RegistryErrorKind::invalid);
  auto stolen = h.registry.steal_lease(**held, "m2", 2, 10s);
  ASSERT_TRUE(stolen) << stolen.error().message;
  EXPECT_EQ(h.etcd.value(key("lease/engine-leader")), R"({"MachineID":"m2","Version":2})");
  EXPECT_EQ(h.etcd.ttl(key("lease/engine-leader")), 16u);  // ttl + remaining
  EXPECT_NE(h.last().find("prevIndex=" + std::to_string((*held)->index)), std::string::npos);
  // The old holder's renew now fails.
  auto old = h.registry.renew_lease(**held, 10s);
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().kind, RegistryErrorKind::lease_lost);
}

TEST(Registry, LegacyPlainLeaseIsVersionZero) {
  Harness h;
  h.etcd.put(key("lease/engine-leader"), "0123456789abcdef0123456789abcdef", 10);
  auto held = h.registry.get_lease();
  ASSERT_TRUE(held && *held);
  EXPECT_EQ((*held)->machine_id, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ((*held)->version, 0);
  EXPECT_TRUE(h.registry.steal_lease(**held, "m2", 1, 10s));
}

TEST(Registry, EngineVersionCreateThenCas) {
  Harness h;
  auto none = h.registry.engine_version();
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  ASSERT_TRUE(h.registry.set_engine_version(std::nullopt, 1));
  EXPECT_EQ(h.etcd.value(key("engine/version")), "1");
  auto raced = h.registry.set_engine_version(std::nullopt, 1);
  ASSERT_FALSE(raced);
  EXPECT_EQ(raced.error().kind, RegistryErrorKind::compare_failed);
  ASSERT_TRUE(h.registry.set_engine_version(1, 2));
  EXPECT_EQ(h.last(), "PUT /v2/keys/_coreos.com/fleet/engine/version?prevExist=true&prevValue=1");
  EXPECT_EQ(h.etcd.value(key("engine/version")), "2");
  auto stale = h.registry.set_engine_version(1, 3);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().kind, RegistryErrorKind::compare_failed);
  auto read = h.registry.engine_version();
  ASSERT_TRUE(read && *read);
  EXPECT_EQ(**read, 2);
}

TEST(Registry, TransportErrorsAreTyped) {
  etcd::client::Config config;
  config.endpoints = {etcd::client::testing::FakeHttpServer::refused_url()};
  auto client = etcd::client::Client::create(config);
  ASSERT_TRUE(client);
  etcd::client::KeysApi keys(**client);
  Registry registry(keys, "/custom/");
  EXPECT_EQ(registry.keys().root(), "/custom");
  auto jobs = registry.get_jobs();
  ASSERT_FALSE(jobs);
  EXPECT_EQ(jobs.error().kind, RegistryErrorKind::transport);
  EXPECT_EQ(registry.requests(), 1u);
}

}  // namespace
}  // namespace corestack::fleet
