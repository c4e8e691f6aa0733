#include "agents/fleet/registry_codec.h"

#include <gtest/gtest.h>

#include "agents/fleet/unit_file.h"

namespace corestack::fleet {
namespace {

constexpr const char* kSleepHash = "1c6fb6f3684bafb0c173d8b8b957ceff031180c1";
constexpr const char* kSleepHashArray =
    "[28,111,182,243,104,75,175,176,193,115,216,184,185,87,206,255,3,17,128,193]";

UnitHash sleep_hash() {
  return *UnitHash::from_hex(kSleepHash);
}

TEST(KeySchema, BuildsFleetsKeys) {
  KeySchema k;
  EXPECT_EQ(k.root(), "/_coreos.com/fleet");
  EXPECT_EQ(k.unit(sleep_hash()), std::string("/_coreos.com/fleet/unit/") + kSleepHash);
  EXPECT_EQ(k.units_dir(), "/_coreos.com/fleet/unit");
  EXPECT_EQ(k.jobs_dir(), "/_coreos.com/fleet/job");
  EXPECT_EQ(k.job_dir("a.service"), "/_coreos.com/fleet/job/a.service");
  EXPECT_EQ(k.job_object("a.service"), "/_coreos.com/fleet/job/a.service/object");
  EXPECT_EQ(k.job_target_state("a.service"), "/_coreos.com/fleet/job/a.service/target-state");
  EXPECT_EQ(k.job_target("a.service"), "/_coreos.com/fleet/job/a.service/target");
  EXPECT_EQ(k.job_state("a.service"), "/_coreos.com/fleet/job/a.service/job-state");
  EXPECT_EQ(k.states_dir(), "/_coreos.com/fleet/states");
  EXPECT_EQ(k.unit_states_dir("a.service"), "/_coreos.com/fleet/states/a.service");
  EXPECT_EQ(k.unit_state("a.service", "m1"), "/_coreos.com/fleet/states/a.service/m1");
  EXPECT_EQ(k.legacy_unit_state("a.service"), "/_coreos.com/fleet/state/a.service");
  EXPECT_EQ(k.machines_dir(), "/_coreos.com/fleet/machines");
  EXPECT_EQ(k.machine_object("m1"), "/_coreos.com/fleet/machines/m1/object");
  EXPECT_EQ(k.machine_metadata_dir("m1"), "/_coreos.com/fleet/machines/m1/metadata");
  EXPECT_EQ(k.machine_metadata("m1", "region"), "/_coreos.com/fleet/machines/m1/metadata/region");
  EXPECT_EQ(k.engine_leader_lease(), "/_coreos.com/fleet/lease/engine-leader");
  EXPECT_EQ(k.engine_version(), "/_coreos.com/fleet/engine/version");
  // fleet's own tests use "/fleet/" and "/fleet": the same keys either way.
  EXPECT_EQ(KeySchema("/fleet/").legacy_unit_state("foo.service"), "/fleet/state/foo.service");
  EXPECT_EQ(KeySchema("/fleet").unit_state("foo.service", "abcdefghij"),
            "/fleet/states/foo.service/abcdefghij");
  EXPECT_EQ(key_base("/fleet/states/foo.service/m1"), "m1");
  EXPECT_EQ(key_base("/fleet/job/foo.service/"), "foo.service");
  EXPECT_EQ(key_base("plain"), "plain");
}

TEST(RegistryCodec, UnitModelRoundTrip) {
  std::string raw = UnitFile::parse("[Service]\nExecStart=/bin/sleep 100\n")->serialize();
  std::string json = encode_unit_model(raw);
  EXPECT_EQ(json, R"({"Raw":"[Service]\nExecStart=/bin/sleep 100\n"})");
  auto back = decode_unit_model(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, raw);
  // The stored Raw parses back to a unit with the key's hash.
  EXPECT_EQ(UnitFile::parse(*back)->hash().hex(), kSleepHash);
  EXPECT_EQ(encode_unit_model("echo \"<&>\"\t"), R"({"Raw":"echo \"\u003c\u0026\u003e\"\t"})");
  EXPECT_EQ(*decode_unit_model(R"({"raw":"x","other":1})"), "x");
  EXPECT_FALSE(decode_unit_model("[1]"));
  EXPECT_FALSE(decode_unit_model(R"({"Raw":5})"));
  EXPECT_FALSE(decode_unit_model("{"));
}

TEST(RegistryCodec, JobObjectHashIsAnArrayOf20Numbers) {
  JobObject job{"foo.service", sleep_hash()};
  std::string json = encode_job_object(job);
  EXPECT_EQ(json, std::string(R"({"Name":"foo.service","UnitHash":)") + kSleepHashArray + "}");
  auto back = decode_job_object(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, job);

  auto short_array = decode_job_object(R"({"name":"a.service","unithash":[1,2]})");
  ASSERT_TRUE(short_array);
  EXPECT_EQ(short_array->name, "a.service");
  EXPECT_EQ(short_array->unit_hash.bytes[0], 1);
  EXPECT_EQ(short_array->unit_hash.bytes[1], 2);
  EXPECT_EQ(short_array->unit_hash.bytes[2], 0);
  EXPECT_FALSE(decode_job_object(R"({"Name":"a","UnitHash":[256]})"));
  EXPECT_FALSE(decode_job_object(R"({"Name":"a","UnitHash":"1c6f"})"));
  EXPECT_FALSE(decode_job_object(R"({"Name":1})"));
  EXPECT_EQ(decode_job_object(R"({"Name":null,"UnitHash":null})")->unit_hash, UnitHash{});
}

TEST(RegistryCodec, MachineStateAsFleetWritesIt) {
  MachineState m{"2c2d3e9d83e64d07b8f5bb0ba6f04dbb", "10.0.0.1",
                 std::map<std::string, std::string>{{"region", "us"}, {"disk", "ssd"}},
                 std::map<std::string, bool>{{"GRPC", false}, {"DISABLE_ENGINE", false}}, "1.0.0"};
  std::string json = encode_machine_state(m);
  EXPECT_EQ(json, R"({"ID":"2c2d3e9d83e64d07b8f5bb0ba6f04dbb","PublicIP":"10.0.0.1",)"
                  R"("Metadata":{"disk":"ssd","region":"us"},)"
                  R"("Capabilities":{"DISABLE_ENGINE":false,"GRPC":false},"Version":"1.0.0"})");
  auto back = decode_machine_state(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, m);
  EXPECT_EQ(encode_machine_state(MachineState{.id = "m"}),
            R"({"ID":"m","PublicIP":"","Metadata":null,"Capabilities":null,"Version":""})");
  // Older fleets wrote resource fields; they are ignored.
  auto old = decode_machine_state(
      R"({"ID":"m","PublicIP":"","Metadata":{},"Version":"0.9","TotalResources":{"Cores":0}})");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->metadata, (std::map<std::string, std::string>{}));
  EXPECT_EQ(old->capabilities, std::nullopt);
  EXPECT_FALSE(decode_machine_state(R"({"ID":"m","Metadata":{"k":1}})"));
}

TEST(RegistryCodec, UnitStateAsTheAgentPublishesIt) {
  // fleet's TestSaveUnitState, with the 1.0 machine object (Capabilities null).
  UnitStateRecord s = make_unit_state("abc", "def", "ghi", "mymachine", "quickbrownfox");
  std::string json = encode_unit_state(s);
  EXPECT_EQ(json,
            R"({"loadState":"abc","activeState":"def","subState":"ghi","machineState":)"
            R"({"ID":"mymachine","PublicIP":"","Metadata":null,"Capabilities":null,"Version":""},)"
            R"("unitHash":"quickbrownfox"})");
  auto back = decode_unit_state(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, s);
  EXPECT_TRUE(check_publishable(s));

  UnitStateRecord no_machine = make_unit_state("loaded", "active", "running", "", "");
  EXPECT_EQ(encode_unit_state(no_machine),
            R"({"loadState":"loaded","activeState":"active","subState":"running",)"
            R"("machineState":null,"unitHash":""})");
  EXPECT_FALSE(check_publishable(no_machine));
  EXPECT_FALSE(check_publishable(make_unit_state("l", "a", "s", "m", "")));

  // fleet's TestGetUnitState inputs.
  auto old = decode_unit_state(
      R"({"loadState":"abc","activeState":"def","subState":"ghi",)"
      R"("machineState":{"ID":"mymachine","PublicIP":"","Metadata":null,"Version":"",)"
      R"("TotalResources":{"Cores":0,"Memory":0,"Disk":0}}})");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->machine_state->id, "mymachine");
  EXPECT_EQ(old->unit_hash, "");
  auto bare = decode_unit_state(R"({"loadState":"abc","activeState":"def","subState":"ghi"})");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->machine_state, std::nullopt);
  EXPECT_FALSE(decode_unit_state("garbage, not good proper json"));
}

TEST(RegistryCodec, LeaseVersionedAndLegacy) {
  LeaseRecord lease{"2c2d3e9d83e64d07b8f5bb0ba6f04dbb", 1};
  EXPECT_EQ(encode_lease(lease), R"({"MachineID":"2c2d3e9d83e64d07b8f5bb0ba6f04dbb","Version":1})");
  EXPECT_EQ(decode_lease(encode_lease(lease)), lease);
  EXPECT_EQ(decode_lease("2c2d3e9d83e64d07b8f5bb0ba6f04dbb"),
            (LeaseRecord{"2c2d3e9d83e64d07b8f5bb0ba6f04dbb", 0}));
  EXPECT_EQ(decode_lease("12345"), (LeaseRecord{"12345", 0}));  // a number is not a lease
  EXPECT_EQ(decode_lease(R"({"MachineID":"m","Version":"1"})"),
            (LeaseRecord{R"({"MachineID":"m","Version":"1"})", 0}));
  EXPECT_EQ(decode_lease(R"({"machineid":"m"})"), (LeaseRecord{"m", 0}));
}

TEST(RegistryCodec, EngineVersionIsABareInt) {
  EXPECT_EQ(encode_engine_version(1), "1");
  EXPECT_EQ(*decode_engine_version("1"), 1);
  EXPECT_EQ(*decode_engine_version("-3"), -3);
  EXPECT_FALSE(decode_engine_version(""));
  EXPECT_FALSE(decode_engine_version("1.0"));
  EXPECT_FALSE(decode_engine_version("v1"));
}

TEST(RegistryCodec, EffectiveMetadataOverlaysAndDeletes) {
  std::map<std::string, std::string> object{{"region", "us"}, {"disk", "hdd"}, {"rack", "1"}};
  auto md = effective_metadata(object, {{"disk", "ssd"}, {"rack", ""}, {"new", "x"}});
  EXPECT_EQ(md,
            (std::map<std::string, std::string>{{"disk", "ssd"}, {"new", "x"}, {"region", "us"}}));
  EXPECT_EQ(effective_metadata(std::nullopt, {{"a", "b"}, {"c", ""}}),
            (std::map<std::string, std::string>{{"a", "b"}}));
}

}  // namespace
}  // namespace corestack::fleet
