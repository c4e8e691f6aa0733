#include "agents/fleet/api_model.h"

#include <gtest/gtest.h>

namespace corestack::fleet {
namespace {

constexpr std::string_view kHashSleep100 = "1c6fb6f3684bafb0c173d8b8b957ceff031180c1";

ApiUnit hello_unit() {
  return ApiUnit{"hello.service",
                 {{"Service", "ExecStart", "/bin/sleep 100"}},
                 "launched",
                 "launched",
                 "113f16a7ab9b4bf6a0a3e2d6b2a25f17"};
}

TEST(ApiModel, EncodesUnitsInGoFieldOrder) {
  EXPECT_EQ(encode_unit(hello_unit()),
            R"({"currentState":"launched","desiredState":"launched",)"
            R"("machineID":"113f16a7ab9b4bf6a0a3e2d6b2a25f17","name":"hello.service",)"
            R"("options":[{"name":"ExecStart","section":"Service","value":"/bin/sleep 100"}]})");
  // omitempty everywhere; Go's HTML-safe escaping.
  EXPECT_EQ(encode_unit(ApiUnit{}), "{}");
  EXPECT_EQ(encode_unit(ApiUnit{"a.service", {{"Service", "ExecStart", ""}}, "inactive", "", ""}),
            R"({"desiredState":"inactive","name":"a.service",)"
            R"("options":[{"name":"ExecStart","section":"Service"}]})");
  EXPECT_EQ(
      encode_unit(ApiUnit{"a.service", {{"Service", "ExecStart", "a<b>&\"c\"\n"}}, "", "", ""}),
      R"({"name":"a.service","options":[{"name":"ExecStart","section":"Service",)"
      R"("value":"a\u003cb\u003e\u0026\"c\"\n"}]})");
}

TEST(ApiModel, EncodesStatesMachinesPagesAndErrors) {
  ApiUnitState state{"hello.service", std::string(kHashSleep100), "m1", "loaded", "active",
                     "running"};
  EXPECT_EQ(encode_unit_state(state),
            R"({"hash":"1c6fb6f3684bafb0c173d8b8b957ceff031180c1","machineID":"m1",)"
            R"("name":"hello.service","systemdActiveState":"active","systemdLoadState":"loaded",)"
            R"("systemdSubState":"running"})");
  ApiMachine machine{"m1", "10.0.0.1", {{"region", "us-west"}, {"disk", "ssd"}}};
  EXPECT_EQ(encode_machine(machine),
            R"({"id":"m1","metadata":{"disk":"ssd","region":"us-west"},"primaryIP":"10.0.0.1"})");
  EXPECT_EQ(encode_machine(ApiMachine{"m2", "", {}}), R"({"id":"m2"})");

  EXPECT_EQ(encode_unit_page({}, ""), "{}");
  EXPECT_EQ(encode_unit_page({ApiUnit{"a.service", {}, "inactive", "inactive", ""}}, "ZAACAA=="),
            R"({"nextPageToken":"ZAACAA==","units":[{"currentState":"inactive",)"
            R"("desiredState":"inactive","name":"a.service"}]})");
  EXPECT_EQ(encode_unit_state_page({state}, ""), "{\"states\":[" + encode_unit_state(state) + "]}");
  EXPECT_EQ(encode_machine_page({machine}, "ZAACAA=="),
            "{\"machines\":[" + encode_machine(machine) + "],\"nextPageToken\":\"ZAACAA==\"}");
  EXPECT_EQ(encode_machine_page({}, ""), "{}");

  EXPECT_EQ(encode_error(409, "unit does not exist and options field empty"),
            R"({"error":{"code":409,"message":"unit does not exist and options field empty"}})");
  EXPECT_EQ(encode_error(500, ""), R"({"error":{"code":500,"message":""}})");
}

TEST(ApiModel, DecodesWhatItEncodes) {
  auto unit = decode_unit(encode_unit(hello_unit()));
  ASSERT_TRUE(unit.ok()) << unit.error();
  EXPECT_EQ(*unit, hello_unit());

  ApiUnit stuck{"c.service", {}, "launched", "inactive", "", "no machine has region=asia"};
  EXPECT_EQ(encode_unit(stuck), R"({"currentState":"inactive","desiredState":"launched",)"
                                R"("name":"c.service","unschedulableReason":"no machine has )"
                                R"(region=asia"})");
  auto decoded = decode_unit(encode_unit(stuck));
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(*decoded, stuck);

  auto page = decode_unit_page(encode_unit_page({hello_unit(), ApiUnit{"b.service"}}, "tok"));
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page->units, (std::vector<ApiUnit>{hello_unit(), ApiUnit{"b.service"}}));
  EXPECT_EQ(page->next_page_token, "tok");

  ApiUnitState state{"a.service", "h", "m1", "loaded", "active", "running"};
  auto states = decode_unit_state_page(encode_unit_state_page({state}, ""));
  ASSERT_TRUE(states.ok()) << states.error();
  EXPECT_EQ(states->states, std::vector<ApiUnitState>{state});

  ApiMachine machine{"m1", "10.0.0.1", {{"a", "1"}}};
  auto machines = decode_machine_page(encode_machine_page({machine}, ""));
  ASSERT_TRUE(machines.ok()) << machines.error();
  EXPECT_EQ(machines->machines, std::vector<ApiMachine>{machine});
  EXPECT_TRUE(decode_machine_page("{}")->machines.empty());

  EXPECT_EQ(decode_error_message(encode_error(404, "unit does not exist")), "unit does not exist");
  EXPECT_EQ(decode_error_message("{}"), std::nullopt);
  EXPECT_EQ(decode_error_message("<html>"), std::nullopt);
}

TEST(ApiModel, DecodesLikeJsonUnmarshal) {
  auto unit = decode_unit(R"({"NAME":"a.service","DesiredState":"loaded","unknown":[1],)"
                          R"("options":[{"Section":"Service","NAME":"ExecStart","value":null}]})");
  ASSERT_TRUE(unit.ok()) << unit.error();
  EXPECT_EQ(unit->name, "a.service");
  EXPECT_EQ(unit->desired_state, "loaded");
  EXPECT_EQ(unit->options, (std::vector<UnitOption>{{"Service", "ExecStart", ""}}));

  EXPECT_EQ(decode_unit(R"({"name":5})").error(),
            "json: cannot unmarshal number into Go struct field Unit.name of type string");
  EXPECT_EQ(decode_unit(R"({"options":{}})").error(),
            "json: cannot unmarshal object into Go struct field Unit.options of type "
            "[]*schema.UnitOption");
  EXPECT_EQ(decode_unit(R"({"options":[{"value":false}]})").error(),
            "json: cannot unmarshal bool into Go struct field UnitOption.value of type string");
  EXPECT_EQ(decode_unit("[]").error(),
            "json: cannot unmarshal array into Go value of type schema.Unit");
  EXPECT_EQ(decode_unit("").error(), "unexpected end of JSON input");
  EXPECT_EQ(decode_unit("{").error(), "invalid JSON");
  EXPECT_TRUE(decode_unit("null").ok());
}

TEST(ApiModel, DerivesCurrentState) {
  struct Case {
    std::optional<std::string> target;
    bool published;
    std::optional<std::string> job_state;
    JobState want;
  };
  const Case cases[] = {
      {std::nullopt, false, std::nullopt, JobState::inactive},
      {std::nullopt, true, "m1", JobState::inactive},
      {"", true, "", JobState::inactive},
      {"m1", false, "m1", JobState::inactive},
      {"m1", true, std::nullopt, JobState::loaded},
      {"m1", true, "m2", JobState::loaded},
      {"m1", true, "m1", JobState::launched},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(derive_current_state(c.target, c.published, c.job_state), c.want);
  }
}

TEST(ApiModel, ListsArePaged) {
  std::vector<ApiUnit> units;
  for (char c : std::string("abc"))
    units.push_back(ApiUnit{std::string(1, c) + ".service"});
  EXPECT_EQ(encode_unit_list(units, PageToken{2, 1}),
            R"({"nextPageToken":"AgACAA==","units":[{"name":"a.service"},{"name":"b.service"}]})");
  EXPECT_EQ(encode_unit_list(units, PageToken{2, 2}), R"({"units":[{"name":"c.service"}]})");
  EXPECT_EQ(encode_unit_list(units, PageToken{2, 3}), "{}");
  EXPECT_EQ(encode_unit_list({}, PageToken{100, 1}), "{}");
  EXPECT_EQ(encode_machine_list({ApiMachine{"m1"}}, PageToken{1, 1}),
            R"({"machines":[{"id":"m1"}],"nextPageToken":"AQACAA=="})");
  EXPECT_EQ(encode_unit_state_list({ApiUnitState{"a.service"}}, PageToken{100, 1}),
            R"({"states":[{"name":"a.service"}]})");
}

TEST(ApiModel, SelectsUnitStates) {
  std::vector<ApiUnitState> all = {{"b.service", "", "m1"},
                                   {"a.service", "", "m2"},
                                   {"a.service", "", "m1"},
                                   {"c.service", "", "m2"}};
  auto names = [](const std::vector<ApiUnitState>& states) {
    std::vector<std::string> out;
    for (const auto& s : states)
      out.push_back(s.name + "@" + s.machine_id);
    return out;
  };
  EXPECT_EQ(
      names(select_unit_states(all, "", "")),
      (std::vector<std::string>{"a.service@m1", "a.service@m2", "b.service@m1", "c.service@m2"}));
  EXPECT_EQ(names(select_unit_states(all, "m2", "")),
            (std::vector<std::string>{"a.service@m2", "c.service@m2"}));
  EXPECT_EQ(names(select_unit_states(all, "m1", "a.service")),
            (std::vector<std::string>{"a.service@m1"}));
  EXPECT_TRUE(select_unit_states(all, "m3", "").empty());
}

// ---- PUT /units/<name> ----

std::string sleep_body(std::string_view extra = "") {
  return R"({"options":[{"section":"Service","name":"ExecStart","value":"/bin/sleep 100"}])" +
         std::string(extra) + "}";
}

ExistingJob existing(JobState desired = JobState::launched) {
  return ExistingJob{*UnitHash::from_hex(kHashSleep100), desired};
}

TEST(PutUnit, CreatesNewUnits) {
  PutUnitDecision d = decide_put_unit("hello.service", sleep_body(), std::nullopt);
  EXPECT_EQ(d.status, 201);
  EXPECT_EQ(d.action, PutUnitAction::create);
  EXPECT_EQ(d.name, "hello.service");
  EXPECT_EQ(d.unit.hash().hex(), kHashSleep100);
  EXPECT_EQ(d.desired_state, JobState::inactive);

  d = decide_put_unit("hello.service", sleep_body(R"(,"desiredState":"launched")"), std::nullopt);
  EXPECT_EQ(d.status, 201);
  EXPECT_EQ(d.desired_state, JobState::launched);
}

TEST(PutUnit, UpdatesDesiredStateOfExistingUnits) {
  PutUnitDecision d = decide_put_unit("hello.service", R"({"desiredState":"loaded"})", existing());
  EXPECT_EQ(d.status, 204);
  EXPECT_EQ(d.action, PutUnitAction::set_desired_state);
  EXPECT_EQ(d.desired_state, JobState::loaded);
  // Same options again: still only the desired state.
  d = decide_put_unit("hello.service", sleep_body(R"(,"desiredState":"inactive")"), existing());
  EXPECT_EQ(d.status, 204);
  EXPECT_EQ(d.desired_state, JobState::inactive);
}

TEST(PutUnit, NewContentsReplaceTheUnit) {
  std::string body =
      R"({"options":[{"section":"Service","name":"ExecStart","value":"/bin/sleep 200"}]})";
  PutUnitDecision d = decide_put_unit("hello.service", body, existing(JobState::loaded));
  EXPECT_EQ(d.status, 201);
  EXPECT_EQ(d.action, PutUnitAction::create);
  EXPECT_EQ(d.unit.hash().hex(), "0a9b6074b51a4e87042012f7320831d68434df43");
  EXPECT_EQ(d.desired_state, JobState::loaded);  // kept
}

TEST(PutUnit, RejectsWithFleetStatusesAndMessages) {
  struct Case {
    std::string url;
    std::string body;
    std::optional<ExistingJob> job;
    int status;
    std::string message;
  };
  const Case cases[] = {
      {"a.service", "{", std::nullopt, 400, "unable to decode body: invalid JSON"},
      {"a.service", R"({"name":1})", std::nullopt, 400,
       "unable to decode body: json: cannot unmarshal number into Go struct field Unit.name of "
       "type string"},
      {"a.service", R"({"name":"b.service"})", std::nullopt, 400,
       R"(name in URL "a.service" differs from unit name in request body "b.service")"},
      {"foo", "{}", std::nullopt, 400, R"(unit name must contain ".")"},
      {"a.service", "{}", std::nullopt, 409, "unit does not exist and options field empty"},
      {"a.service", R"({"desiredState":"launched"})", std::nullopt, 409,
       "unit does not exist and options field empty"},
      {"a.service",
       R"({"options":[{"section":"X-Fleet","name":"MachineID","value":"abc"},)"
       R"({"section":"X-Fleet","name":"Global","value":"true"}]})",
       std::nullopt, 400, "MachineID cannot be used with Global"},
      {"foo@.service", sleep_body(R"(,"desiredState":"launched")"), std::nullopt, 400,
       R"(cannot activate template "foo@.service")"},
      {"a.service", "{}", existing(), 409, "must provide DesiredState to update existing unit"},
      {"a.service", R"({"desiredState":"running"})", existing(), 400,
       R"(invalid desiredState "running")"},
      {"foo@.service", R"({"desiredState":"loaded"})", existing(), 400,
       R"(cannot activate template "foo@.service")"},
      {"a.service", sleep_body(R"(,"desiredState":"up")"), std::nullopt, 400,
       R"(invalid desiredState "up")"},
  };
  for (const auto& c : cases) {
    PutUnitDecision d = decide_put_unit(c.url, c.body, c.job);
    EXPECT_EQ(d.action, PutUnitAction::reject) << c.body;
    EXPECT_EQ(d.status, c.status) << c.body;
    EXPECT_EQ(d.error_message, c.message) << c.body;
  }
  // A template may be submitted (inactive) and set inactive.
  EXPECT_EQ(decide_put_unit("foo@.service", sleep_body(), std::nullopt).status, 201);
  EXPECT_EQ(decide_put_unit("foo@.service", R"({"desiredState":"inactive"})", existing()).status,
            204);
  // The body's name may be given when it matches.
  EXPECT_EQ(
      decide_put_unit("a.service", R"({"name":"a.service","desiredState":"loaded"})", existing())
          .status,
      204);
}

}  // namespace
}  // namespace corestack::fleet
