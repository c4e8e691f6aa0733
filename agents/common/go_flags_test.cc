#include "agents/common/go_flags.h"

#include <gtest/gtest.h>

#include <map>

namespace corestack::agents {
namespace {

using Strings = std::vector<std::string>;
using Env = std::map<std::string, std::string>;

GoEnvLookup lookup(Env env) {
  return [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

// A flag set over these variables, as an agent builds one.
struct Vars {
  bool debug = false;
  bool on = true;
  int count = 7;
  std::string name = "def";
  std::vector<std::string> items;
  GoFlagSet set{"TEST"};

  Vars() {
    set.add("debug", debug, "print more");
    set.add("on", on, "switch");
    set.add("count", count, "how many");
    set.add("name", name, "a name");
    set.add_func(
        "item",
        [this](std::string_view v) -> Expected<Done, std::string> {
          if (v == "bad") return unexpected(std::string("no bad items"));
          items.emplace_back(v);
          return Done{};
        },
        "repeatable");
  }
};

std::string parse_error(const Strings& args) {
  Vars v;
  auto ok = v.set.parse(args);
  EXPECT_FALSE(ok);
  return ok ? "" : ok.error();
}

TEST(GoFlags, ParsesGoStrconvBooleansAndInts) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"})
    EXPECT_EQ(parse_go_bool(t), true) << t;
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"})
    EXPECT_EQ(parse_go_bool(f), false) << f;
  for (const char* bad : {"", "yes", "tRUE", "2"})
    EXPECT_EQ(parse_go_bool(bad), std::nullopt) << bad;
  EXPECT_EQ(parse_go_int("42"), 42);
  EXPECT_EQ(parse_go_int("-0x1f"), -31);
  EXPECT_EQ(parse_go_int("0o17"), 15);
  EXPECT_EQ(parse_go_int("017"), 15);
  EXPECT_EQ(parse_go_int("0b101"), 5);
  EXPECT_EQ(parse_go_int("+0"), 0);
  for (const char* bad : {"", "-", "1h", "0x", "08", "99999999999", " 1"})
    EXPECT_EQ(parse_go_int(bad), std::nullopt) << bad;
}

TEST(GoFlags, EnvironmentNames) {
  EXPECT_EQ(go_env_name("FLANNELD", "ip-masq"), "FLANNELD_IP_MASQ");
  EXPECT_EQ(go_env_name("X", "log_dir"), "X_LOG_DIR");
}

TEST(GoFlags, AcceptsEveryGoSpelling) {
  Vars v;
  ASSERT_TRUE(v.set.parse({"-debug", "--on=false", "-count", "0x10", "--name", "-dash", "-item=a=b",
                           "--item", "c", "rest", "-debug"}));
  EXPECT_TRUE(v.debug);
  EXPECT_FALSE(v.on);
  EXPECT_EQ(v.count, 16);
  EXPECT_EQ(v.name, "-dash");  // a value may start with '-'
  EXPECT_EQ(v.items, (Strings{"a=b", "c"}));
  EXPECT_EQ(v.set.args(), (Strings{"rest", "-debug"}));
  EXPECT_FALSE(v.set.help());
  EXPECT_TRUE(v.set.given("count"));
  EXPECT_FALSE(Vars().set.given("count"));
}

TEST(GoFlags, BooleansNeverTakeTheNextWord) {
  Vars v;
  ASSERT_TRUE(v.set.parse({"-debug", "false"}));
  EXPECT_TRUE(v.debug);
  EXPECT_EQ(v.set.args(), Strings{"false"});
}

TEST(GoFlags, StopsAtNonFlagsAndDoubleDash) {
  Vars v;
  ASSERT_TRUE(v.set.parse({"-name", "x", "--", "-debug"}));
  EXPECT_EQ(v.set.args(), Strings{"-debug"});
  EXPECT_FALSE(v.debug);
  Vars dash;
  ASSERT_TRUE(dash.set.parse({"-", "-debug"}));
  EXPECT_EQ(dash.set.args(), (Strings{"-", "-debug"}));
  Vars empty;
  ASSERT_TRUE(empty.set.parse({"", "-debug"}));
  EXPECT_EQ(empty.set.args(), (Strings{"", "-debug"}));
}

TEST(GoFlags, UndefinedHelpStopsParsing) {
  for (const char* h : {"-h", "-help", "--help", "--h=1"}) {
    Vars v;
    ASSERT_TRUE(v.set.parse({"-debug", h, "cmd", "-nope"})) << h;
    EXPECT_TRUE(v.set.help()) << h;
    EXPECT_EQ(v.set.args(), (Strings{"cmd", "-nope"})) << h;
  }
  // A defined -help is an ordinary flag.
  bool help = false;
  GoFlagSet set;
  set.add("help", help);
  ASSERT_TRUE(set.parse({"-help", "x"}));
  EXPECT_TRUE(help);
  EXPECT_FALSE(set.help());
}

TEST(GoFlags, ErrorTextsAreGos) {
  EXPECT_EQ(parse_error({"-nope"}), "flag provided but not defined: -nope");
  EXPECT_EQ(parse_error({"--nope=1"}), "flag provided but not defined: -nope");
  EXPECT_EQ(parse_error({"-name"}), "flag needs an argument: -name");
  EXPECT_EQ(parse_error({"--count"}), "flag needs an argument: -count");
  EXPECT_EQ(parse_error({"-debug=maybe"}),
            "invalid boolean value \"maybe\" for -debug: parse error");
  EXPECT_EQ(parse_error({"-count", "1h"}), "invalid value \"1h\" for flag -count: parse error");
  EXPECT_EQ(parse_error({"-item=bad"}), "invalid value \"bad\" for flag -item: no bad items");
  EXPECT_EQ(parse_error({"---x"}), "bad flag syntax: ---x");
  EXPECT_EQ(parse_error({"-=x"}), "bad flag syntax: -=x");
  EXPECT_EQ(parse_error({"--=x"}), "bad flag syntax: --=x");
}

TEST(GoFlags, CustomBooleanFlag) {
  int hits = 0;
  GoFlagSet set;
  set.add_func(
      "flip",
      [&](std::string_view v) -> Expected<Done, std::string> {
        if (v != "true") return unexpected(std::string("only true"));
        ++hits;
        return Done{};
      },
      "", "false", true);
  ASSERT_TRUE(set.parse({"-flip", "--flip", "word"}));
  EXPECT_EQ(hits, 2);
  EXPECT_EQ(set.args(), Strings{"word"});
  GoFlagSet again = set;
  auto bad = again.parse({"-flip=no"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), "invalid boolean value \"no\" for -flip: only true");
}

TEST(GoFlags, EnvironmentFillsOnlyFlagsNotGivenNorSkipped) {
  Vars v;
  ASSERT_TRUE(v.set.parse({"-name", "cli"}));
  auto failures = v.set.apply_env(lookup({{"TEST_NAME", "env"},
                                          {"TEST_DEBUG", "true"},
                                          {"TEST_COUNT", ""},  // empty = unset
                                          {"TEST_ITEM", "e"},
                                          {"TEST_ON", "false"}}),
                                  {"on"});
  EXPECT_TRUE(failures.empty());
  EXPECT_EQ(v.name, "cli");
  EXPECT_TRUE(v.debug);
  EXPECT_EQ(v.count, 7);
  EXPECT_EQ(v.items, Strings{"e"});
  EXPECT_TRUE(v.on);
}

TEST(GoFlags, UnparsableEnvironmentIsReportedAndLeavesTheFlag) {
  Vars v;
  ASSERT_TRUE(v.set.parse({}));
  auto failures = v.set.apply_env(
      lookup({{"TEST_DEBUG", "yes"}, {"TEST_COUNT", "many"}, {"TEST_ITEM", "bad"}}));
  EXPECT_FALSE(v.debug);
  EXPECT_EQ(v.count, 7);
  EXPECT_TRUE(v.items.empty());
  ASSERT_EQ(failures.size(), 3u);  // in flag-name order
  EXPECT_EQ(failures[0].variable, "TEST_COUNT");
  EXPECT_EQ(failures[0].value, "many");
  EXPECT_EQ(failures[0].error, "invalid value \"many\" for flag -count: parse error");
  EXPECT_EQ(failures[1].error, "invalid boolean value \"yes\" for -debug: parse error");
  EXPECT_EQ(failures[2].error, "invalid value \"bad\" for flag -item: no bad items");
}

TEST(GoFlags, PrintDefaultsAsGo) {
  Vars v;
  bool x = false;
  v.set.add("x", x, "one letter\nsecond line");
  EXPECT_EQ(v.set.print_defaults(),
            "  -count int\n"
            "    \thow many (default 7)\n"
            "  -debug\n"
            "    \tprint more\n"
            "  -item value\n"
            "    \trepeatable\n"
            "  -name string\n"
            "    \ta name (default \"def\")\n"
            "  -on\n"
            "    \tswitch (default true)\n"
            "  -x\tone letter\n"
            "    \tsecond line\n");
}

}  // namespace
}  // namespace corestack::agents
