#include "agents/fleet/fleetctl_options.h"

#include <gtest/gtest.h>

#include <map>

#include "agents/fleet/fleetctl_rules.h"

namespace corestack::fleet {
namespace {

using Args = std::vector<std::string>;

Expected<Options, std::string> parse(const Args& argv,
                                     const std::map<std::string, std::string>& env = {}) {
  return parse_options(argv, [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

std::string cmd(std::string_view word) {
  auto c = resolve_command(word);
  return c ? *c : "error: " + c.error();
}

bool yes(const Expected<bool, std::string>& b) {
  return b && *b;
}

TEST(FleetctlOptions, Defaults) {
  auto o = parse({"list-units"});
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->command, "list-units");
  EXPECT_EQ(o->effective_endpoint(), "unix:///var/run/fleet.sock");
  EXPECT_EQ(o->driver, "api");
  EXPECT_EQ(o->ssh_username, "core");
  EXPECT_EQ(o->ssh_port, 22);
  EXPECT_EQ(o->lines, 10);
  EXPECT_EQ(o->output, "short");
  EXPECT_TRUE(o->strict_host_key_checking);
  EXPECT_EQ(o->known_hosts_file, "~/.fleetctl/known_hosts");
  EXPECT_EQ(o->etcd_key_prefix, "/_coreos.com/fleet/");
  EXPECT_DOUBLE_EQ(o->ssh_timeout_s, 10.0);
}

TEST(FleetctlOptions, FlagsAnywhere) {
  auto o = parse({"--tunnel", "b:2", "start", "--replace", "a.service", "--block-attempts=3", "-l",
                  "--strict-host-key-checking=false", "b"});
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->tunnel, "b:2");
  EXPECT_TRUE(o->replace);
  EXPECT_EQ(o->block_attempts, 3);
  EXPECT_TRUE(o->full);
  EXPECT_FALSE(o->strict_host_key_checking);
  EXPECT_EQ(o->args, (Args{"a.service", "b"}));
}

TEST(FleetctlOptions, DriverCaseInsensitiveAndEtcdDefaultEndpoint) {
  for (const char* d : {"etcd", "ETCD", "Etcd"}) {
    auto o = parse({"--driver", d, "list-units"});
    ASSERT_TRUE(o) << o.error();
    EXPECT_EQ(o->driver, "etcd");
    EXPECT_EQ(o->effective_endpoint(), "http://127.0.0.1:2379,http://127.0.0.1:4001");
  }
  auto api = parse({"--driver=API", "list-units"});
  ASSERT_TRUE(api);
  EXPECT_EQ(api->driver, "api");
  auto bad = parse({"--driver", "grpc", "list-units"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), "invalid argument \"grpc\" for --driver: must be API or etcd");
}

TEST(FleetctlOptions, Environment) {
  auto o = parse({"status", "x"}, {{"FLEETCTL_TUNNEL", "bastion"},
                                   {"FLEETCTL_SSH_USERNAME", "root"},
                                   {"FLEETCTL_STRICT_HOST_KEY_CHECKING", "false"},
                                   {"FLEETCTL_KNOWN_HOSTS_FILE", "/k"},
                                   {"FLEETCTL_DRIVER", "etcd"},
                                   {"FLEETCTL_ENDPOINT", "http://e:2379"},
                                   {"FLEETCTL_SSH_TIMEOUT", "2"}});
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->tunnel, "bastion");
  EXPECT_EQ(o->ssh_username, "root");
  EXPECT_FALSE(o->strict_host_key_checking);
  EXPECT_EQ(o->known_hosts_file, "/k");
  EXPECT_EQ(o->driver, "etcd");
  EXPECT_EQ(o->effective_endpoint(), "http://e:2379");
  EXPECT_DOUBLE_EQ(o->ssh_timeout_s, 2.0);
  // The command line wins over the environment.
  auto flag = parse({"--ssh-username", "core", "list-units"}, {{"FLEETCTL_SSH_USERNAME", "root"}});
  ASSERT_TRUE(flag);
  EXPECT_EQ(flag->ssh_username, "core");
  // Command flags do not come from the environment.
  auto cmd = parse({"list-units"}, {{"FLEETCTL_FIELDS", "unit"}});
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->fields, "");
  auto bad = parse({"list-units"}, {{"FLEETCTL_STRICT_HOST_KEY_CHECKING", "maybe"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(),
            "invalid value \"maybe\" in FLEETCTL_STRICT_HOST_KEY_CHECKING: not a boolean (true "
            "or false)");
}

TEST(FleetctlOptions, BadValues) {
  struct Case {
    Args argv;
    std::string error;
  } cases[] = {
      {{"start", "--block-attempts", "x"},
       "invalid argument \"x\" for --block-attempts: not an integer"},
      {{"start", "--block-attempts=-1"},
       "invalid argument \"-1\" for --block-attempts: must be between 0 and 1000000"},
      {{"status", "--ssh-port", "0", "a"},
       "invalid argument \"0\" for --ssh-port: must be between 1 and 65535"},
      {{"--request-timeout", "0", "list-units"},
       "invalid argument \"0\" for --request-timeout: must be greater than 0"},
      {{"--ssh-timeout", "soon", "list-units"},
       "invalid argument \"soon\" for --ssh-timeout: not a number of seconds"},
      {{"list-units", "--full=yes"},
       "invalid argument \"yes\" for --full: not a boolean (true or false)"},
      {{"list-units", "--bogus"}, "unknown flag: --bogus"},
      {{"list-units", "-z"}, "unknown flag: -z"},
      {{"list-units", "--fields"}, "flag needs an argument: --fields"},
  };
  for (const Case& c : cases) {
    auto o = parse(c.argv);
    ASSERT_FALSE(o) << c.argv[0];
    EXPECT_EQ(o.error(), c.error);
  }
}

TEST(FleetctlOptions, CommandPrefixes) {
  EXPECT_EQ(cmd("list-m"), "list-machines");
  EXPECT_EQ(cmd("list-unit-"), "list-unit-files");
  EXPECT_EQ(cmd("list-units"), "list-units");  // exact beats prefix
  EXPECT_EQ(cmd("j"), "journal");
  EXPECT_EQ(cmd("res"), "restart");
  auto amb = resolve_command("st");
  ASSERT_FALSE(amb);
  EXPECT_EQ(amb.error(), "ambiguous command \"st\" for \"fleetctl\": could be start, status, stop");
  auto unknown = resolve_command("frobnicate");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error(), "unknown command \"frobnicate\" for \"fleetctl\"");
  auto o = parse({"list-m", "--no-legend"});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->command, "list-machines");
  EXPECT_FALSE(parse({"s", "x"}));
}

TEST(FleetctlOptions, SshKeepsTheRemoteCommand) {
  auto o = parse({"--ssh-port", "2222", "ssh", "-A", "abc", "ls", "-l", "--all", "/"});
  ASSERT_TRUE(o) << o.error();
  EXPECT_TRUE(o->forward_agent);
  EXPECT_EQ(o->ssh_port, 2222);
  EXPECT_EQ(o->args, (Args{"abc", "ls", "-l", "--all", "/"}));
  auto m = parse({"ssh", "--machine", "abc", "uname", "-a"});
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->machine, "abc");
  EXPECT_EQ(m->args, (Args{"uname", "-a"}));
  auto dd = parse({"journal", "-f", "-n", "5", "-o", "cat", "--", "-weird.service"});
  ASSERT_TRUE(dd) << dd.error();
  EXPECT_TRUE(dd->follow);
  EXPECT_EQ(dd->lines, 5);
  EXPECT_EQ(dd->output, "cat");
  EXPECT_EQ(dd->args, (Args{"-weird.service"}));
}

TEST(FleetctlOptions, UsageNamesEveryCommandAndFlag) {
  const std::string u = usage_text();
  for (std::string_view c : fleetctl_commands())
    EXPECT_NE(u.find(c), std::string::npos) << c;
  for (const char* f : {"--endpoint",
                        "--driver",
                        "--request-timeout",
                        "--tunnel",
                        "--ssh-username",
                        "--ssh-timeout",
                        "--strict-host-key-checking",
                        "--known-hosts-file",
                        "--key-file",
                        "--cert-file",
                        "--ca-file",
                        "--etcd-key-prefix",
                        "--debug",
                        "--fields",
                        "--full",
                        "--no-legend",
                        "--no-block",
                        "--block-attempts",
                        "--replace",
                        "--ssh-port",
                        "--lines",
                        "--follow",
                        "--output",
                        "--sudo",
                        "--machine",
                        "--unit",
                        "--forward-agent"})
    EXPECT_NE(u.find(f), std::string::npos) << f;
}

TEST(FleetctlRules, ReplaceAllowed) {
  EXPECT_TRUE(replace_allowed("submit", "inactive"));
  EXPECT_FALSE(replace_allowed("submit", "loaded"));
  EXPECT_FALSE(replace_allowed("submit", "launched"));
  EXPECT_TRUE(replace_allowed("load", "inactive"));
  EXPECT_TRUE(replace_allowed("load", "loaded"));
  EXPECT_FALSE(replace_allowed("load", "launched"));
  for (const char* s : {"inactive", "loaded", "launched"})
    EXPECT_TRUE(replace_allowed("start", s)) << s;
  EXPECT_FALSE(replace_allowed("stop", "inactive"));
}

TEST(FleetctlRules, SameContentsAndInstances) {
  ApiUnit u{"a.service", {{"Service", "ExecStart", "/bin/true"}}, "launched", "", "", ""};
  EXPECT_TRUE(yes(same_contents(u, "[Service]\nExecStart=/bin/true\n")));
  EXPECT_TRUE(yes(same_contents(u, "[Service]\n\nExecStart = /bin/true\n")));
  EXPECT_FALSE(yes(same_contents(u, "[Service]\nExecStart=/bin/false\n")));
  const ApiUnit i = instance_of(u, "a@1.service");
  EXPECT_EQ(i.name, "a@1.service");
  EXPECT_EQ(i.options, u.options);
  EXPECT_EQ(i.desired_state, "inactive");
  EXPECT_TRUE(is_global_unit({"g", {{"X-Fleet", "Global", "true"}}, "", "", "", ""}));
  EXPECT_FALSE(is_global_unit(u));
}

TEST(FleetctlRules, FindMachine) {
  const std::vector<ApiMachine> ms = {
      {"12ab", "10.0.0.1", {}}, {"12cd", "10.0.0.2", {}}, {"12", "10.0.0.3", {}}};
  auto one = find_machine(ms, "12a");
  ASSERT_TRUE(one);
  ASSERT_TRUE(*one);
  EXPECT_EQ((*one)->primary_ip, "10.0.0.1");
  auto exact = find_machine(ms, "12");
  ASSERT_TRUE(exact);
  EXPECT_EQ((*exact)->id, "12");
  auto none = find_machine(ms, "9");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  auto amb = find_machine({ms[0], ms[1]}, "1");
  ASSERT_FALSE(amb);
  EXPECT_EQ(amb.error(), "Error: machine prefix 1 matches more than one machine: 12ab, 12cd");
}

}  // namespace
}  // namespace corestack::fleet
