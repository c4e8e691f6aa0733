#include "agents/locksmith/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>

namespace corestack::locksmith {
namespace {

using Env = std::map<std::string, std::string>;
using Strings = std::vector<std::string>;

EnvLookup lookup(Env env) {
  return [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

GlobalFlags parse(const Strings& args, Env env = {}, Program p = Program::locksmithctl) {
  auto flags = parse_global_flags(args, p, lookup(std::move(env)));
  EXPECT_TRUE(flags) << (flags ? "" : flags.error());
  return flags ? *flags : GlobalFlags{};
}

std::string parse_error(const Strings& args) {
  auto flags = parse_global_flags(args, Program::locksmithctl, lookup({}));
  EXPECT_FALSE(flags);
  return flags ? "" : flags.error();
}

TEST(Config, DefaultsWithoutFlagsOrEnvironment) {
  GlobalFlags f = parse({});
  EXPECT_EQ(f.endpoints, (Strings{"http://127.0.0.1:2379", "http://127.0.0.1:4001"}));
  EXPECT_EQ(f.group, "");
  EXPECT_FALSE(f.debug);
  EXPECT_FALSE(f.version);
  EXPECT_TRUE(f.args.empty());
}

TEST(Config, AcceptsGoFlagSyntax) {
  EXPECT_EQ(parse({"-group", "a", "status"}).group, "a");
  EXPECT_EQ(parse({"--group", "b"}).group, "b");
  EXPECT_EQ(parse({"-group=c=d"}).group, "c=d");
  EXPECT_EQ(parse({"--group="}).group, "");
  EXPECT_EQ(parse({"-group", "-x"}).group, "-x");  // a value may start with '-'
  GlobalFlags f = parse({"-debug", "-version", "lock", "-debug"});
  EXPECT_TRUE(f.debug);
  EXPECT_TRUE(f.version);
  EXPECT_EQ(f.args, (Strings{"lock", "-debug"}));
  EXPECT_FALSE(parse({"-debug=false"}).debug);
  EXPECT_TRUE(parse({"--debug=T"}).debug);
  EXPECT_EQ(parse({"-debug", "false"}).args, Strings{"false"});  // booleans take no value
}

TEST(Config, StopsAtFirstArgumentOrDoubleDash) {
  EXPECT_EQ(parse({"status", "-group", "g"}).args, (Strings{"status", "-group", "g"}));
  GlobalFlags f = parse({"-group", "g", "--", "-version"});
  EXPECT_EQ(f.args, Strings{"-version"});
  EXPECT_FALSE(f.version);
  EXPECT_EQ(parse({"-", "x"}).args, (Strings{"-", "x"}));
}

TEST(Config, HelpFlagStopsParsing) {
  for (const char* h : {"-h", "-help", "--help"}) {
    GlobalFlags f = parse({"-debug", h, "status"});
    EXPECT_TRUE(f.help) << h;
    EXPECT_EQ(f.args, Strings{"status"});
  }
}

TEST(Config, ReportsFlagErrorsAsGoFlagDoes) {
  EXPECT_EQ(parse_error({"-nope"}), "flag provided but not defined: -nope");
  EXPECT_EQ(parse_error({"--nope=1"}), "flag provided but not defined: -nope");
  EXPECT_EQ(parse_error({"-group"}), "flag needs an argument: -group");
  EXPECT_EQ(parse_error({"-debug=maybe"}),
            "invalid boolean value \"maybe\" for -debug: parse error");
  EXPECT_EQ(parse_error({"---group"}), "bad flag syntax: ---group");
  EXPECT_EQ(parse_error({"-=x"}), "bad flag syntax: -=x");
}

TEST(Config, EndpointsRepeatAndSplitOnCommas) {
  GlobalFlags f = parse({"-endpoint", " http://a:1 , http://b:2,", "--endpoint=http://c:3"});
  EXPECT_EQ(f.endpoints, (Strings{"http://a:1", "http://b:2", "http://c:3"}));
}

TEST(Config, EnvironmentFillsOnlyFlagsNotGiven) {
  Env env = {{"LOCKSMITHCTL_GROUP", "from-env"},
             {"LOCKSMITHCTL_ENDPOINT", "http://x:1, http://y:2"},
             {"LOCKSMITHCTL_ETCD_CAFILE", "/ca.pem"},
             {"LOCKSMITHCTL_ETCD_CERTFILE", "/cert.pem"},
             {"LOCKSMITHCTL_ETCD_KEYFILE", "/key.pem"},
             {"LOCKSMITHCTL_ETCD_USERNAME", "user"},
             {"LOCKSMITHCTL_ETCD_PASSWORD", "secret"},
             {"LOCKSMITHCTL_DEBUG", "true"},
             {"LOCKSMITHCTL_VERSION", "true"}};
  GlobalFlags f = parse({}, env);
  EXPECT_EQ(f.group, "from-env");
  EXPECT_EQ(f.endpoints, (Strings{"http://x:1", "http://y:2"}));  // replaces the default
  EXPECT_EQ(f.etcd_cafile, "/ca.pem");
  EXPECT_EQ(f.etcd_certfile, "/cert.pem");
  EXPECT_EQ(f.etcd_keyfile, "/key.pem");
  EXPECT_EQ(f.etcd_username, "user");
  EXPECT_EQ(f.etcd_password, "secret");
  EXPECT_TRUE(f.debug);
  EXPECT_FALSE(f.version);  // never from the environment

  f = parse({"-group", "from-flag", "-endpoint", "http://z:3"}, env);
  EXPECT_EQ(f.group, "from-flag");
  EXPECT_EQ(f.endpoints, Strings{"http://z:3"});
  EXPECT_EQ(parse({"-group="}, env).group, "");  // given empty on the command line: kept
}

TEST(Config, EmptyOrUnparsableEnvironmentIsIgnored) {
  GlobalFlags f = parse({}, {{"LOCKSMITHCTL_GROUP", ""}, {"LOCKSMITHCTL_DEBUG", "maybe"}});
  EXPECT_EQ(f.group, "");
  EXPECT_FALSE(f.debug);
}

TEST(Config, EnvironmentPrefixFollowsTheProgram) {
  Env env = {{"LOCKSMITHD_GROUP", "daemon"}, {"LOCKSMITHCTL_GROUP", "ctl"}};
  EXPECT_EQ(parse({}, env, Program::locksmithd).group, "daemon");
  EXPECT_EQ(parse({}, env, Program::locksmithctl).group, "ctl");
  EXPECT_EQ(env_prefix(Program::locksmithd), "LOCKSMITHD");
}

TEST(Config, FlagInfosAreSortedLikeGo) {
  Strings names;
  for (const FlagInfo& f : global_flag_infos())
    names.emplace_back(f.name);
  EXPECT_EQ(names, (Strings{"debug", "endpoint", "etcd-cafile", "etcd-certfile", "etcd-keyfile",
                            "etcd-password", "etcd-username", "group", "version"}));
}

TEST(Config, EtcdConfigAllowsCaOnlyTls) {
  GlobalFlags f = parse({"-endpoint", "https://e1:2379", "-etcd-cafile", "/ca.pem"});
  etcd::client::Config c = etcd_config(f);
  EXPECT_EQ(c.endpoints, Strings{"https://e1:2379"});
  EXPECT_EQ(c.ca_file, "/ca.pem");
  EXPECT_TRUE(c.cert_file.empty());
  EXPECT_TRUE(c.validate().ok());

  f = parse({"-etcd-certfile", "/c.pem", "-etcd-username", "u", "-etcd-password", "p"});
  c = etcd_config(f);
  EXPECT_EQ(c.username, "u");
  EXPECT_EQ(c.password, "p");
  EXPECT_FALSE(c.validate().ok());  // a certificate needs its key
}

TEST(Config, ParsesStrategies) {
  EXPECT_EQ(parse_strategy(""), (Strategy{StrategyKind::reboot, "reboot"}));
  EXPECT_EQ(parse_strategy("reboot"), (Strategy{StrategyKind::reboot, "reboot"}));
  EXPECT_EQ(parse_strategy("etcd-lock"), (Strategy{StrategyKind::etcd_lock, "etcd-lock"}));
  EXPECT_EQ(parse_strategy("off"), (Strategy{StrategyKind::off, "off"}));
  EXPECT_EQ(parse_strategy("best-effort"), (Strategy{StrategyKind::unknown, "best-effort"}));
  EXPECT_EQ(parse_strategy("Reboot"), (Strategy{StrategyKind::unknown, "Reboot"}));
  EXPECT_EQ(strategy_from_env(lookup({{"REBOOT_STRATEGY", "etcd-lock"}})).kind,
            StrategyKind::etcd_lock);
  EXPECT_EQ(strategy_from_env(lookup({{"LOCKSMITHD_REBOOT_STRATEGY", "off"}})).kind,
            StrategyKind::reboot);  // only the unprefixed name counts
}

TEST(Config, WindowFromEnvironmentWithFallbacks) {
  auto none = window_from_env(lookup({}));
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());

  auto prefixed = window_from_env(lookup({{"LOCKSMITHD_REBOOT_WINDOW_START", "Thu 23:00"},
                                          {"LOCKSMITHD_REBOOT_WINDOW_LENGTH", "1h30m"},
                                          {"REBOOT_WINDOW_START", "1:00"}}));
  ASSERT_TRUE(prefixed && prefixed->has_value());
  EXPECT_EQ((*prefixed)->start, "Thu 23:00");
  EXPECT_EQ((*prefixed)->length, "1h30m");
  EXPECT_EQ((*prefixed)->window.weekday, 4);

  auto mixed = window_from_env(lookup({{"LOCKSMITHD_REBOOT_WINDOW_START", ""},
                                       {"REBOOT_WINDOW_START", "02:00"},
                                       {"LOCKSMITHD_REBOOT_WINDOW_LENGTH", "1h"}}));
  ASSERT_TRUE(mixed && mixed->has_value());
  EXPECT_EQ((*mixed)->window.hour, 2);
}

TEST(Config, WindowNeedsBothOrNeither) {
  const char* both =
      "Either both or neither $REBOOT_WINDOW_START and $REBOOT_WINDOW_LENGTH must be set";
  EXPECT_EQ(window_from_env(lookup({{"REBOOT_WINDOW_START", "1:00"}})).error(), both);
  EXPECT_EQ(window_from_env(lookup({{"LOCKSMITHD_REBOOT_WINDOW_LENGTH", "1h"}})).error(), both);
  EXPECT_EQ(
      window_from_env(lookup({{"REBOOT_WINDOW_START", "1:00"}, {"REBOOT_WINDOW_LENGTH", "25h"}}))
          .error(),
      "duration cannot exceed period");
}

TEST(Config, MachineIdFileAndTrimming) {
  EXPECT_EQ(machine_id_path(lookup({})), "/etc/machine-id");
  EXPECT_EQ(machine_id_path(lookup({{"LOCKSMITH_MACHINE_ID_FILE", ""}})), "/etc/machine-id");
  EXPECT_EQ(machine_id_path(lookup({{"LOCKSMITH_MACHINE_ID_FILE", "/tmp/id"}})), "/tmp/id");

  std::string path = ::testing::TempDir() + "locksmith_machine_id_" + std::to_string(::getpid());
  std::ofstream(path) << "  0123456789abcdef0123456789abcdef\n\n";
  EXPECT_EQ(read_machine_id(path), "0123456789abcdef0123456789abcdef");
  std::ofstream(path) << " \n\t";
  EXPECT_EQ(read_machine_id(path), std::nullopt);
  std::remove(path.c_str());
  EXPECT_EQ(read_machine_id(path), std::nullopt);
}

TEST(Config, DaemonFlagsAreLocksmithdsOnly) {
  GlobalFlags d = parse({"-group", "g", "-unlock-delay", "1s", "--retry-max=9s", "-utmp", "/u"},
                        {{"LOCKSMITHD_LOGIN_DELAY", "0s"}, {"LOCKSMITHD_RETRY_MAX", "1m"}},
                        Program::locksmithd);
  EXPECT_EQ(d.group, "g");
  EXPECT_EQ(d.daemon.unlock_delay, "1s");
  EXPECT_EQ(d.daemon.retry_max, "9s");  // the command line wins
  EXPECT_EQ(d.daemon.login_delay, "0s");
  EXPECT_EQ(d.daemon.retry_initial, "5s");
  EXPECT_EQ(d.daemon.utmp, "/u");
  EXPECT_EQ(d.daemon.coordinator_file, "/run/update-engine/coordinator.conf");
  EXPECT_EQ(parse_error({"-unlock-delay", "1s"}), "flag provided but not defined: -unlock-delay");
  auto missing = parse_global_flags({"-coordinator-file"}, Program::locksmithd, lookup({}));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), "flag needs an argument: -coordinator-file");
}

}  // namespace
}  // namespace corestack::locksmith
