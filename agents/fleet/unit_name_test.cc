#include "agents/fleet/unit_name.h"

#include <gtest/gtest.h>

namespace corestack::fleet {
namespace {

TEST(UnitName, AcceptsValidNames) {
  for (const char* name : {"foo.service", "foo@.service", "foo@bar.service", "a:b-c_d.e\\x.mount",
                           "ssh@1.socket", "x.busname", "x.scope", "foo@bar@baz.timer"}) {
    EXPECT_TRUE(validate_unit_name(name)) << name;
  }
}

TEST(UnitName, RejectsWithFleetsMessages) {
  struct Case {
    std::string name;
    const char* error;
  };
  for (const Case& c : {
           Case{"", "unit name cannot be empty"},
           Case{std::string(249, 'a') + ".service", "unit name exceeds maximum length (256)"},
           Case{"foo", R"(unit name must contain ".")"},
           Case{"foo.", R"(unit name cannot end in ".")"},
           Case{"foo.link", R"(invalid unit type: "link")"},
           Case{"a/b.service", "invalid character '/' in unit name"},
           Case{"a b.service", "invalid character ' ' in unit name"},
           Case{"caf\xC3\xA9.service", "invalid character '\xC3\xA9' in unit name"},
           Case{"a\x01.service", R"(invalid character '\x01' in unit name)"},
           Case{"@foo.service", R"(unit name cannot start in "@")"},
           Case{"foo@bar.mount", R"(invalid unit type for template: "mount")"},
       }) {
    auto r = validate_unit_name(c.name);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error(), c.error) << c.name;
  }
  EXPECT_TRUE(validate_unit_name(std::string(248, 'a') + ".service"));  // exactly 256
}

TEST(UnitName, MangleLikeFleetctl) {
  EXPECT_EQ(mangle_unit_name("foo"), "foo.service");
  EXPECT_EQ(mangle_unit_name("units/foo.service"), "foo.service");
  EXPECT_EQ(mangle_unit_name("/abs/path/foo.socket"), "foo.socket");
  EXPECT_EQ(mangle_unit_name("foo.automount"), "foo.automount");
  EXPECT_EQ(mangle_unit_name("foo.target"), "foo.target.service");
  EXPECT_EQ(mangle_unit_name("foo.link"), "foo.link.service");
  EXPECT_EQ(mangle_unit_name("dir/"), "dir.service");
  EXPECT_EQ(mangle_unit_name("foo@1"), "foo@1.service");
}

TEST(UnitName, RecognizedTypes) {
  for (const char* yes : {"foo.service", "foo.socket", "foo.path", "foo.timer", "foo.mount",
                          "foo.automount", "foo.device"}) {
    EXPECT_TRUE(is_recognized_unit_type(yes)) << yes;
  }
  for (const char* no :
       {"foo.swap", "foo.target", "foo.snapshot", "foo.network", "foo.unknown", "fooservice"}) {
    EXPECT_FALSE(is_recognized_unit_type(no)) << no;
  }
}

// fleet's TestNamedUnit.
TEST(UnitName, ParsesTemplatesAndInstances) {
  struct Case {
    const char *full, *name, *prefix, *tmpl, *inst;
    bool is_instance, is_template;
  };
  for (const Case& c : {
           Case{"foo.service", "foo", "foo", "", "", false, false},
           Case{"foo@.service", "foo@", "foo", "foo@.service", "", false, true},
           Case{"foo@bar.service", "foo@bar", "foo", "foo@.service", "bar", true, false},
           Case{"foo@bar@baz.service", "foo@bar@baz", "foo", "foo@.service", "bar@baz", true,
                false},
           Case{"foo.1@.service", "foo.1@", "foo.1", "foo.1@.service", "", false, true},
           Case{"foo.1@2.service", "foo.1@2", "foo.1", "foo.1@.service", "2", true, false},
           Case{"ssh@.socket", "ssh@", "ssh", "ssh@.socket", "", false, true},
           Case{"ssh@1.socket", "ssh@1", "ssh", "ssh@.socket", "1", true, false},
       }) {
    auto info = parse_unit_name(c.full);
    ASSERT_TRUE(info) << c.full;
    EXPECT_EQ(info->full_name, c.full);
    EXPECT_EQ(info->name, c.name);
    EXPECT_EQ(info->prefix, c.prefix);
    EXPECT_EQ(info->template_name, c.tmpl);
    EXPECT_EQ(info->instance, c.inst);
    EXPECT_EQ(info->is_instance(), c.is_instance) << c.full;
    EXPECT_EQ(info->is_template(), c.is_template) << c.full;
  }
  EXPECT_FALSE(parse_unit_name("foo"));
  EXPECT_FALSE(parse_unit_name("bar@baz"));
}

TEST(UnitName, SubstitutesSpecifiersInFleetsOrder) {
  auto info = parse_unit_name("web@8080.service");
  ASSERT_TRUE(info);
  EXPECT_EQ(substitute_specifiers("%n %N %p %i %% %H", *info),
            "web@8080.service web@8080 web 8080 %% %H");
  EXPECT_EQ(substitute_specifiers("hostname=%i", *info), "hostname=8080");
  auto plain = parse_unit_name("db.service");
  ASSERT_TRUE(plain);
  EXPECT_EQ(substitute_specifiers("[%p|%i]", *plain), "[db|]");
  // %N is replaced before %p: an instance named "%p" is rewritten again, as in fleet.
  auto tricky = parse_unit_name("x@%p.service");
  ASSERT_TRUE(tricky);
  EXPECT_EQ(substitute_specifiers("%N", *tricky), "x@x");
}

TEST(UnitName, TemplatesCannotBeActivated) {
  EXPECT_TRUE(check_activatable("foo@.service", JobState::inactive));
  EXPECT_TRUE(check_activatable("foo@1.service", JobState::launched));
  auto r = check_activatable("foo@.service", JobState::loaded);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), R"(cannot activate template "foo@.service")");
}

}  // namespace
}  // namespace corestack::fleet
