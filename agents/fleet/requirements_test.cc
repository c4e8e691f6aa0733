#include "agents/fleet/requirements.h"

#include <gtest/gtest.h>

namespace corestack::fleet {
namespace {

Requirements reqs(std::string_view xfleet, std::string_view name = "foo.service") {
  auto unit = UnitFile::parse("[Service]\nExecStart=/bin/true\n[X-Fleet]\n" + std::string(xfleet));
  EXPECT_TRUE(unit) << (unit ? "" : unit.error());
  return parse_requirements(unit ? *unit : UnitFile{}, name);
}

using V = std::vector<std::string>;

TEST(Requirements, ReadsEveryOptionWithLegacyNames) {
  Requirements r = reqs(
      "X-ConditionMachineOf=old.service\nMachineOf=new.service\n"
      "X-ConditionMachineMetadata=region=eu\nMachineMetadata=\"region=us\" \"disk=ssd\"\n"
      "X-Conflicts=a*.service b.service\nConflicts=c.service\n"
      "Replaces=old-*.service\nGlobal=false\n");
  EXPECT_EQ(r.machine_id, std::nullopt);
  EXPECT_EQ(r.peers, (V{"old.service", "new.service"}));
  EXPECT_EQ(r.metadata, (MetadataRequirement{{"disk", {"ssd"}}, {"region", {"eu", "us"}}}));
  EXPECT_EQ(r.conflicts, (V{"a*.service", "b.service", "c.service"}));
  EXPECT_EQ(r.replaces, (V{"old-*.service"}));
  EXPECT_FALSE(r.global);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(Requirements, MachineIdPrefersTheModernName) {
  EXPECT_EQ(
      reqs("X-ConditionMachineBootID=boot\nX-ConditionMachineID=old\nMachineID=new\n").machine_id,
      "new");
  EXPECT_EQ(reqs("X-ConditionMachineBootID=boot\nX-ConditionMachineID=old\n").machine_id, "old");
  EXPECT_EQ(reqs("X-ConditionMachineBootID=boot\n").machine_id, "boot");
  EXPECT_EQ(reqs("MachineID=first\nMachineID=second\n").machine_id, "first");
}

TEST(Requirements, GlobalIsTruthyLastValueWins) {
  for (const char* yes : {"true", "TRUE", "yes", "1", "on", "t", "T"}) {
    EXPECT_TRUE(reqs("Global=" + std::string(yes) + "\n").global) << yes;
  }
  for (const char* no : {"false", "0", "no", "off", "", "y", "enabled"}) {
    EXPECT_FALSE(reqs("Global=" + std::string(no) + "\n").global) << no;
  }
  EXPECT_FALSE(reqs("Global=true\nGlobal=false\n").global);
  EXPECT_TRUE(reqs("Global=false\nGlobal=true\n").global);
}

TEST(Requirements, SpecifiersAreSubstitutedInXFleetValues) {
  Requirements r =
      reqs("MachineMetadata=hostname=%i\nMachineOf=%p-db@%i.service\nConflicts=%p@*.service\n",
           "web@node1.service");
  EXPECT_EQ(r.metadata, (MetadataRequirement{{"hostname", {"node1"}}}));
  EXPECT_EQ(r.peers, (V{"web-db@node1.service"}));
  EXPECT_EQ(r.conflicts, (V{"web@*.service"}));
  // No '.' in the name: fleet leaves the values alone.
  EXPECT_EQ(reqs("MachineOf=%p.service\n", "nodot").peers, (V{"%p.service"}));
}

TEST(Requirements, MalformedMetadataAndUnknownKeysWarn) {
  Requirements r = reqs(
      "MachineMetadata=novalue\nMachineMetadata==x\nMachineMetadata=k=\n"
      "MachineMetadata=a=b=c\nMachineMetadata=ok=yes\nWeight=3\nX-ConditionFoo=1\n");
  EXPECT_EQ(r.metadata, (MetadataRequirement{{"ok", {"yes"}}}));
  EXPECT_EQ(r.warnings, (V{R"(ignoring MachineMetadata value "novalue" (want key=value))",
                           R"(ignoring MachineMetadata value "=x" (want key=value))",
                           R"(ignoring MachineMetadata value "k=" (want key=value))",
                           R"(ignoring MachineMetadata value "a=b=c" (want key=value))",
                           R"(unrecognized requirement in [X-Fleet] section: "Weight")",
                           R"(unrecognized requirement in [X-Fleet] section: "X-ConditionFoo")"}));
}

// The API's validation matrix: every pair of options, with fleet's first error.
TEST(Requirements, ValidationMatrix) {
  struct Case {
    const char* xfleet;
    const char* error;  // nullptr: valid
  };
  for (const Case& c : {
           Case{"", nullptr},
           Case{"MachineID=abc\nMachineMetadata=a=b\n", nullptr},
           Case{"MachineOf=a.service\nConflicts=b*.service\n", nullptr},
           Case{"MachineOf=a.service\nReplaces=b.service\n", nullptr},
           Case{"Global=true\nConflicts=g*.service\n", nullptr},
           Case{"Global=true\nMachineMetadata=a=b\n", nullptr},
           Case{"Global=false\nMachineID=abc\n", nullptr},
           Case{"MachineID=abc\nMachineOf=a.service\n", "MachineID cannot be used with Peers"},
           Case{"MachineID=abc\nConflicts=a.service\n", "MachineID cannot be used with Conflicts"},
           Case{"MachineID=abc\nGlobal=true\n", "MachineID cannot be used with Global"},
           Case{"MachineID=abc\nReplaces=a.service\n", "MachineID cannot be used with Replaces"},
           Case{"X-ConditionMachineID=abc\nX-ConditionMachineOf=a.service\n",
                "MachineID cannot be used with Peers"},
           Case{"Global=yes\nMachineOf=a.service\n", "Global cannot be used with Peers"},
           Case{"Global=yes\nReplaces=a.service\n", "Global cannot be used with Replaces"},
           Case{"Conflicts=a.service\nReplaces=b.service\n",
                "Conflicts cannot be used with Replaces"},
           Case{"X-Conflicts=a.service\nReplaces=b.service\n",
                "Conflicts cannot be used with Replaces"},
           Case{"MachineOf=db.service\nConflicts=d*.service\n",
                R"(unresolvable requirements: peer "db.service" matches conflict "d*.service")"},
           Case{"MachineOf=db.service\nReplaces=db.service\n",
                R"(unresolvable requirements: peer "db.service" matches replace "db.service")"},
           // The peer check comes first, then the matrix in fleet's order.
           Case{"MachineID=x\nMachineOf=db.service\nConflicts=db.service\n",
                R"(unresolvable requirements: peer "db.service" matches conflict "db.service")"},
           Case{"MachineID=x\nGlobal=1\nReplaces=a.service\nConflicts=b.service\n",
                "MachineID cannot be used with Conflicts"},
           Case{"Global=1\nReplaces=a.service\nConflicts=b.service\n",
                "Global cannot be used with Replaces"},
       }) {
    auto r = validate_requirements(reqs(c.xfleet));
    if (c.error == nullptr) {
      EXPECT_TRUE(r) << c.xfleet << ": " << r.error();
    } else {
      ASSERT_FALSE(r) << c.xfleet;
      EXPECT_EQ(r.error(), c.error) << c.xfleet;
    }
  }
}

TEST(Requirements, CheckUnitRefusesWhatCannotBeSerialised) {
  UnitFile newline_in_value({{"Service", "ExecStart", "a\nb"}});
  auto r = check_unit(newline_in_value, "x.service");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "unexpected newline encountered while parsing option name");

  UnitFile too_long({{"Service", "ExecStart", std::string(3000, 'x')}});
  r = check_unit(too_long, "x.service");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "line too long (max 2048 bytes)");

  UnitFile trailing_backslash({{"Service", "ExecStart", "echo \\"}});
  r = check_unit(trailing_backslash, "x.service");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), R"(value of ExecStart= in [Service] ends in "\")");

  UnitFile bad_matrix({{"X-Fleet", "Global", "true"}, {"X-Fleet", "MachineOf", "a.service"}});
  r = check_unit(bad_matrix, "x.service");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "Global cannot be used with Peers");

  UnitFile good({{"Service", "ExecStart", "/bin/true"}, {"X-Fleet", "Weight", "1"}});
  r = check_unit(good, "x.service");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->warnings.size(), 1u);
}

TEST(Requirements, MetadataMatchingIsAndAcrossKeysOrWithin) {
  MetadataRequirement need{{"region", {"us-east", "us-west"}}, {"disk", {"ssd"}}};
  EXPECT_TRUE(has_metadata({{"region", "us-west"}, {"disk", "ssd"}, {"x", "y"}}, need));
  EXPECT_FALSE(has_metadata({{"region", "eu"}, {"disk", "ssd"}}, need));
  EXPECT_FALSE(has_metadata({{"region", "us-east"}}, need));
  EXPECT_TRUE(has_metadata({}, {}));
  EXPECT_EQ(describe_metadata(need), "disk=ssd, region=us-east|us-west");
}

}  // namespace
}  // namespace corestack::fleet
