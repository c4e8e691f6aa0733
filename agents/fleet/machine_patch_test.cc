#include "agents/fleet/machine_patch.h"

#include <gtest/gtest.h>

namespace corestack::fleet {
namespace {

TEST(MachinePatch, TurnsOperationsIntoMetadataChanges) {
  auto changes = parse_machine_patch(R"([
    {"op": "add", "path": "/m1/metadata/region", "value": "us-west"},
    {"op": "remove", "path": "/m1/metadata/disk"},
    {"op": "replace", "path": "/2b1a9c/metadata/a.b-c_D9", "value": "x", "extra": 1},
    {"OP": "remove", "Path": "/m2/metadata/k", "value": "ignored"}
  ])");
  ASSERT_TRUE(changes.ok()) << changes.error();
  EXPECT_EQ(*changes, (std::vector<MetadataChange>{
                          {"m1", "region", "us-west"},
                          {"m1", "disk", std::nullopt},
                          {"2b1a9c", "a.b-c_D9", "x"},
                          {"m2", "k", std::nullopt},
                      }));
}

TEST(MachinePatch, EmptyListsChangeNothing) {
  EXPECT_TRUE(parse_machine_patch("[]")->empty());
  EXPECT_TRUE(parse_machine_patch("null")->empty());
}

TEST(MachinePatch, RejectsWithFleetMessages) {
  struct Case {
    std::string_view body;
    std::string_view error;
  };
  constexpr std::string_view kBadOp = "invalid op: expect add, remove, or replace";
  constexpr std::string_view kBadPath = "machine metadata path invalid";
  constexpr std::string_view kBadValue = "invalid value: add and replace require a value";
  const Case cases[] = {
      {R"([{"op":"move","path":"/m/metadata/k","value":"v"}])", kBadOp},
      {R"([{"path":"/m/metadata/k","value":"v"}])", kBadOp},
      {R"([{"op":"ADD","path":"/m/metadata/k","value":"v"}])", kBadOp},
      {R"([{"op":"x","path":"nonsense"}])", kBadOp},  // op is checked first
      {R"([{"op":"add","path":"/m/metadata/","value":"v"}])", kBadPath},
      {R"([{"op":"add","path":"m/metadata/k","value":"v"}])", kBadPath},
      {R"([{"op":"add","path":"//metadata/k","value":"v"}])", kBadPath},
      {R"([{"op":"add","path":"/m/meta/k","value":"v"}])", kBadPath},
      {R"([{"op":"add","path":"/m/metadata/a/b","value":"v"}])", kBadPath},
      {R"([{"op":"add","path":"/m/metadata/k$","value":"v"}])", kBadPath},
      {R"([{"op":"remove","path":"/m/x/metadata/k"}])", kBadPath},
      {R"([{"op":"add","path":"/m/metadata/k"}])", kBadValue},
      {R"([{"op":"replace","path":"/m/metadata/k","value":""}])", kBadValue},
      {R"([{"op":"add","path":"/m/metadata/k","value":null}])", kBadValue},
      // Every operation is checked before any is applied.
      {R"([{"op":"add","path":"/m/metadata/k","value":"v"},{"op":"bad"}])", kBadOp},
      {R"([{"op":"add","path":"/m/metadata/k","value":7}])",
       "json: cannot unmarshal number into Go struct field machineMetadataOp.Value of type string"},
      {R"([{"op":true}])",
       "json: cannot unmarshal bool into Go struct field machineMetadataOp.op of type string"},
      {R"({"op":"add"})",
       "json: cannot unmarshal object into Go value of type []api.machineMetadataOp"},
      {R"(["add"])", "json: cannot unmarshal string into Go value of type api.machineMetadataOp"},
      {"[{", "invalid JSON in request body"},
      {"", "invalid JSON in request body"},
  };
  for (const auto& c : cases) {
    auto got = parse_machine_patch(c.body);
    ASSERT_FALSE(got.ok()) << c.body;
    EXPECT_EQ(got.error(), c.error) << c.body;
  }
}

TEST(MachinePatch, MetadataPaths) {
  EXPECT_EQ(parse_metadata_path("/abc/metadata/key"),
            (std::pair<std::string, std::string>{"abc", "key"}));
  EXPECT_EQ(parse_metadata_path("/a b/metadata/key"),
            (std::pair<std::string, std::string>{"a b", "key"}));
  EXPECT_FALSE(parse_metadata_path("/abc/metadata/ke y"));
  EXPECT_FALSE(parse_metadata_path("/abc/metadata"));
  EXPECT_FALSE(parse_metadata_path(""));
}

}  // namespace
}  // namespace corestack::fleet
