#include "etcd/cmd/etcdctl_flags.h"

#include <gtest/gtest.h>

#include "etcd/cmd/etcdctl_global.h"

namespace etcd::cmd::ctl {
namespace {

using Args = std::vector<std::string>;

constexpr FlagSpec kSpecs[] = {{"in-order", FlagKind::boolean, ""},
                               {"ttl", FlagKind::integer, ""},
                               {"recursive,r", FlagKind::boolean, ""},
                               {"with-value", FlagKind::text, ""},
                               {"roles", FlagKind::text_list, ""}};

TEST(EtcdctlFlags, ReorderMovesFlagsAndTheirNextToken) {
  // urfave/cli v1.22: "mk /q --in-order v" runs as "mk --in-order v /q".
  EXPECT_EQ(reorder_args(kSpecs, {"/q", "--in-order", "v"}), (Args{"--in-order", "v", "/q"}));
  EXPECT_EQ(reorder_args(kSpecs, {"/a", "--ttl=5", "b"}), (Args{"--ttl=5", "/a", "b"}));
  EXPECT_EQ(reorder_args(kSpecs, {"--ttl", "3", "cmd", "key"}), (Args{"--ttl", "3", "cmd", "key"}));
  // A value may start with '-' when it names no flag of the command.
  EXPECT_EQ(reorder_args(kSpecs, {"/a", "--ttl", "-5", "v"}), (Args{"--ttl", "-5", "/a", "v"}));
  EXPECT_EQ(reorder_args(kSpecs, {"--ttl", "-r", "/a"}), (Args{"--ttl", "-r", "/a"}));
}

TEST(EtcdctlFlags, ReorderLeavesUnknownDashTokensAsArguments) {
  // etcdctl 3.4: "set /a -1 --ttl 5" sets /a to "-1".
  EXPECT_EQ(reorder_args(kSpecs, {"/a", "-1", "--ttl", "5"}), (Args{"--ttl", "5", "/a", "-1"}));
  EXPECT_EQ(reorder_args(kSpecs, {"k", "sh", "-c", "x"}), (Args{"k", "sh", "-c", "x"}));
}

TEST(EtcdctlFlags, ReorderMovesTheFirstDoubleDashToTheFront) {
  // "exec-watch /k -- sh -c x": the "--" is consumed, so etcdctl 3.4 watches "x".
  EXPECT_EQ(reorder_args(kSpecs, {"/k", "--", "sh", "-c", "x"}),
            (Args{"--", "/k", "sh", "-c", "x"}));
  EXPECT_EQ(reorder_args(kSpecs, {"/k", "v", "--", "--ttl", "5"}),
            (Args{"--", "/k", "v", "--ttl", "5"}));
  // After a flag that may take a value, "--" is that value and reordering goes on.
  EXPECT_EQ(reorder_args(kSpecs, {"/k", "--with-value", "--", "--ttl", "5"}),
            (Args{"--with-value", "--", "--ttl", "5", "/k"}));
  auto p = parse_command_args(kSpecs, {"/k", "--", "sh", "-c", "x"});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->args, (Args{"/k", "sh", "-c", "x"}));
}

TEST(EtcdctlFlags, BooleanNeverTakesTheNextToken) {
  auto p = parse_command_args(kSpecs, {"/q", "--in-order", "v"});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_TRUE(p->flag("in-order"));
  EXPECT_EQ(p->args, (Args{"v", "/q"}));
}

TEST(EtcdctlFlags, GoFlagSyntax) {
  auto p = parse_command_args(kSpecs, {"-ttl", "5", "-r", "--with-value=x=y", "/k", "val"});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->integer("ttl"), 5);
  EXPECT_TRUE(p->flag("recursive"));
  EXPECT_EQ(p->text("with-value"), "x=y");
  EXPECT_EQ(p->args, (Args{"/k", "val"}));
  auto off = parse_command_args(kSpecs, {"--recursive=false", "/k"});
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->flag("recursive"));
}

TEST(EtcdctlFlags, LeadingDoubleDashIsDroppedLaterOnesKept) {
  auto p = parse_command_args(kSpecs, {"--", "/a", "-1"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->args, (Args{"/a", "-1"}));
  // Go flag alone (the global options) keeps a "--" after the first positional.
  auto later = parse_command_args(kSpecs, {"/k", "--", "echo"}, false);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->args, (Args{"/k", "--", "echo"}));
}

TEST(EtcdctlFlags, RepeatedListFlagCollects) {
  auto p = parse_command_args(kSpecs, {"--roles", "a", "--roles", "b", "u"});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->list("roles"), (Args{"a", "b"}));
  EXPECT_EQ(p->args, (Args{"u"}));
}

TEST(EtcdctlFlags, ErrorsUseGoWording) {
  EXPECT_EQ(parse_command_args(kSpecs, {"--foo", "/a"}).error().message,
            "flag provided but not defined: -foo");
  EXPECT_EQ(parse_command_args(kSpecs, {"--ttl", "abc", "/a"}).error().message,
            "invalid value \"abc\" for flag -ttl: parse error");
  // urfave/cli moves flags before the arguments first, so "/a" becomes the value (as the
  // real etcdctl 3.4 says for `set /a --ttl`).
  EXPECT_EQ(parse_command_args(kSpecs, {"/a", "--ttl"}).error().message,
            "invalid value \"/a\" for flag -ttl: parse error");
  EXPECT_EQ(parse_command_args(kSpecs, {"--ttl"}).error().message, "flag needs an argument: -ttl");
}

TEST(EtcdctlFlags, UsageLinesAsUrfaveCli) {
  EXPECT_EQ(flag_usage({"recursive,r", FlagKind::boolean, "all"}), "--recursive, -r\tall");
  EXPECT_EQ(flag_usage({"readwrite,rw", FlagKind::boolean, "rw"}), "--readwrite, --rw\trw");
  EXPECT_EQ(flag_usage({"p", FlagKind::boolean, "slash"}), "-p\tslash");
  EXPECT_EQ(flag_usage({"ttl", FlagKind::integer, "ttl (default: 0)"}),
            "--ttl value\tttl (default: 0)");
  EXPECT_EQ(flag_usage({"output,o", FlagKind::text, "format (`simple`, `json`)"}),
            "--output simple, -o simple\tformat (simple, `json`)");
}

TEST(EtcdctlFlags, GoDurations) {
  EXPECT_EQ(parse_go_duration_ms("2s").value(), 2000u);
  EXPECT_EQ(parse_go_duration_ms("1m30s").value(), 90000u);
  EXPECT_EQ(parse_go_duration_ms("500ms").value(), 500u);
  EXPECT_EQ(parse_go_duration_ms("1.5h").value(), 5400000u);
  EXPECT_EQ(parse_go_duration_ms("0").value(), 0u);
  EXPECT_FALSE(parse_go_duration_ms("5").ok());
  EXPECT_FALSE(parse_go_duration_ms("abc").ok());
}

TEST(EtcdctlGlobal, EnvironmentFallbacksAndCommand) {
  std::map<std::string, std::string> vars{{"ETCDCTL_ENDPOINT", "10.0.0.1:2379"},
                                          {"ETCDCTL_CA_FILE", "/ca.pem"}};
  EnvLookup env = [&](const std::string& n) -> std::optional<std::string> {
    auto it = vars.find(n);
    return it == vars.end() ? std::nullopt : std::optional(it->second);
  };
  auto line = parse_global({"-o", "json", "--timeout", "1s", "set", "/a", "1"}, env);
  ASSERT_TRUE(line.ok()) << line.error().message;
  EXPECT_EQ(line->options.output, "json");
  EXPECT_EQ(line->options.endpoints, (Args{"http://10.0.0.1:2379"}));
  EXPECT_EQ(line->options.ca_file, "/ca.pem");
  EXPECT_EQ(line->options.timeout_ms, 1000u);
  EXPECT_EQ(line->options.total_timeout_ms, 5000u);
  EXPECT_EQ(line->command, "set");
  EXPECT_EQ(line->args, (Args{"/a", "1"}));
  auto flag_wins = parse_global({"--endpoints", "http://a:1,http://b:2", "ls"}, env);
  ASSERT_TRUE(flag_wins.ok());
  EXPECT_EQ(flag_wins->options.endpoints, (Args{"http://a:1", "http://b:2"}));
  auto none = parse_global({"ls"}, [](const std::string&) { return std::nullopt; });
  EXPECT_EQ(none->options.endpoints, (Args{"http://127.0.0.1:2379", "http://127.0.0.1:4001"}));
}

}  // namespace
}  // namespace etcd::cmd::ctl
