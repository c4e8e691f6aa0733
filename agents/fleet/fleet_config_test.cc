#include "agents/fleet/fleet_config.h"

#include <gtest/gtest.h>

#include <cctype>

namespace corestack::fleet {
namespace {

using namespace std::chrono_literals;

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

FleetConfig load_ok(std::optional<std::string_view> file, std::map<std::string, std::string> env) {
  auto config = load_fleet_config(file, env_of(std::move(env)));
  EXPECT_TRUE(config.ok()) << (config.ok() ? "" : config.error());
  return config.ok() ? *config : FleetConfig{};
}

std::string load_error(std::optional<std::string_view> file,
                       std::map<std::string, std::string> env) {
  auto config = load_fleet_config(file, env_of(std::move(env)));
  EXPECT_FALSE(config.ok());
  return config.ok() ? "" : config.error();
}

TEST(FleetConfig, DefaultsMatchTheReference) {
  FleetConfig c = load_ok(std::nullopt, {});
  EXPECT_EQ(c.verbosity, 0);
  EXPECT_EQ(c.etcd_servers,
            (std::vector<std::string>{"http://127.0.0.1:2379", "http://127.0.0.1:4001"}));
  EXPECT_EQ(c.etcd_key_prefix, "/_coreos.com/fleet/");
  EXPECT_EQ(c.etcd_request_timeout, 1000ms);
  EXPECT_EQ(c.engine_reconcile_interval, 2000ms);
  EXPECT_EQ(c.public_ip, "");
  EXPECT_TRUE(c.metadata.empty());
  EXPECT_EQ(c.agent_ttl, 30s);
  EXPECT_EQ(c.units_directory, "/run/fleet/units/");
  EXPECT_FALSE(c.systemd_user);
  EXPECT_EQ(c.token_limit, 100);
  EXPECT_FALSE(c.disable_engine);
  EXPECT_FALSE(c.disable_watches);
  EXPECT_FALSE(c.enable_grpc);
  EXPECT_TRUE(c.warnings.empty());
  // An absent file and an empty one are the same.
  EXPECT_EQ(load_ok("", {}).etcd_servers, c.etcd_servers);
}

TEST(FleetConfig, FileSetsEveryOption) {
  constexpr std::string_view kFile = R"(# fleet.conf
; another comment
verbosity=2
etcd_servers=["http://10.0.0.1:2379","http://10.0.0.2:2379"]
etcd_username = fleet
etcd_password = "s3cret"
etcd_keyfile=/k
etcd_certfile=/c
etcd_cafile=/ca
etcd_key_prefix=/fleet_functional/smoke
etcd_request_timeout=3.5
engine_reconcile_interval=8
public_ip=172.18.1.1
metadata=hostname=node1,region=us-west
agent_ttl=3s
units_directory=/tmp/units
systemd_user=true
token_limit=50
disable_engine=1
disable_watches=T
enable_grpc=True
)";
  FleetConfig c = load_ok(kFile, {});
  EXPECT_EQ(c.verbosity, 2);
  EXPECT_EQ(c.etcd_servers,
            (std::vector<std::string>{"http://10.0.0.1:2379", "http://10.0.0.2:2379"}));
  EXPECT_EQ(c.etcd_username, "fleet");
  EXPECT_EQ(c.etcd_password, "s3cret");
  EXPECT_EQ(c.etcd_keyfile, "/k");
  EXPECT_EQ(c.etcd_certfile, "/c");
  EXPECT_EQ(c.etcd_cafile, "/ca");
  EXPECT_EQ(c.etcd_key_prefix, "/fleet_functional/smoke");
  EXPECT_EQ(c.etcd_request_timeout, 3500ms);
  EXPECT_EQ(c.engine_reconcile_interval, 8000ms);
  EXPECT_EQ(c.public_ip, "172.18.1.1");
  EXPECT_EQ(c.raw_metadata, "hostname=node1,region=us-west");
  EXPECT_EQ(c.metadata,
            (std::map<std::string, std::string>{{"hostname", "node1"}, {"region", "us-west"}}));
  EXPECT_EQ(c.agent_ttl, 3s);
  EXPECT_EQ(c.units_directory, "/tmp/units");
  EXPECT_TRUE(c.systemd_user);
  EXPECT_EQ(c.token_limit, 50);
  EXPECT_TRUE(c.disable_engine);
  EXPECT_TRUE(c.disable_watches);
  EXPECT_TRUE(c.enable_grpc);
  EXPECT_TRUE(c.warnings.empty());
}

TEST(FleetConfig, PrecedenceIsDefaultThenFileThenEnvironment) {
  constexpr std::string_view kFile = "agent_ttl=60s\npublic_ip=10.0.0.1\nverbosity=1\n";
  FleetConfig c = load_ok(kFile, {{"FLEET_AGENT_TTL", "2m"},
                                  {"FLEET_PUBLIC_IP", ""},  // empty: unset, the file's stays
                                  {"FLEET_METADATA", "role=web"}});
  EXPECT_EQ(c.agent_ttl, 120s);
  EXPECT_EQ(c.public_ip, "10.0.0.1");
  EXPECT_EQ(c.verbosity, 1);
  EXPECT_EQ(c.metadata, (std::map<std::string, std::string>{{"role", "web"}}));
  EXPECT_EQ(c.token_limit, 100);  // default
}

TEST(FleetConfig, EtcdServersAcceptListAndPlainForms) {
  struct Case {
    std::string_view in;
    std::vector<std::string> want;
  };
  const Case cases[] = {
      {R"(["a","b"])", {"a", "b"}},           {"a,b", {"a", "b"}},  {" a , b ", {"a", "b"}},
      {"[http://x:2379]", {"http://x:2379"}}, {"a,,b", {"a", "b"}},
  };
  for (const auto& c : cases) {
    auto got = parse_etcd_servers(c.in);
    ASSERT_TRUE(got.ok()) << c.in;
    EXPECT_EQ(*got, c.want) << c.in;
  }
  EXPECT_FALSE(parse_etcd_servers("[]").ok());
  EXPECT_EQ(
      load_error("etcd_servers=[]\n", {}),
      R"(invalid value "[]" for etcd_servers (from /etc/fleet/fleet.conf): no etcd server given)");
}

TEST(FleetConfig, MetadataIsTrimmedQuotedAndLastWins) {
  std::vector<std::string> warnings;
  auto m = parse_metadata(R"("region=us-west, disk = ssd,region=eu,broken,,empty=")", &warnings);
  EXPECT_EQ(m,
            (std::map<std::string, std::string>{{"disk", "ssd"}, {"empty", ""}, {"region", "eu"}}));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], R"(metadata item "broken" has no '=': ignored)");
  EXPECT_TRUE(parse_metadata("").empty());
  EXPECT_EQ(parse_metadata("a=b=c"), (std::map<std::string, std::string>{{"a", "b=c"}}));
}

TEST(FleetConfig, EveryTypedOptionNamesItselfInErrors) {
  struct Case {
    std::string env;
    std::string value;
    std::string reason;
  };
  const Case cases[] = {
      {"FLEET_VERBOSITY", "loud", "not an integer"},
      {"FLEET_ETCD_REQUEST_TIMEOUT", "abc", "not a number of seconds"},
      {"FLEET_ETCD_REQUEST_TIMEOUT", "0", "must be a positive number of seconds"},
      {"FLEET_ENGINE_RECONCILE_INTERVAL", "-1", "must be a positive number of seconds"},
      {"FLEET_AGENT_TTL", "30", R"(time: missing unit in duration "30")"},
      {"FLEET_AGENT_TTL", "abc", R"(time: invalid duration "abc")"},
      {"FLEET_AGENT_TTL", "0", "must be a positive duration"},
      {"FLEET_SYSTEMD_USER", "yes", "not a boolean (true/false/1/0/t/f)"},
      {"FLEET_TOKEN_LIMIT", "0", "must be between 1 and 65535"},
      {"FLEET_TOKEN_LIMIT", "65536", "must be between 1 and 65535"},
      {"FLEET_TOKEN_LIMIT", "10x", "not an integer"},
      {"FLEET_DISABLE_ENGINE", "2", "not a boolean (true/false/1/0/t/f)"},
      {"FLEET_DISABLE_WATCHES", "on", "not a boolean (true/false/1/0/t/f)"},
      {"FLEET_ENABLE_GRPC", "no", "not a boolean (true/false/1/0/t/f)"},
  };
  for (const auto& c : cases) {
    std::string option = c.env.substr(6);
    for (char& ch : option)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    EXPECT_EQ(
        load_error(std::nullopt, {{c.env, c.value}}),
        "invalid value \"" + c.value + "\" for " + option + " (from " + c.env + "): " + c.reason);
  }
  EXPECT_EQ(load_error("agent_ttl=1x\n", {}),
            R"(invalid value "1x" for agent_ttl (from /etc/fleet/fleet.conf): )"
            R"(time: unknown unit "x" in duration "1x")");
}

TEST(FleetConfig, FileSyntaxErrorsAndWarnings) {
  EXPECT_EQ(load_error("verbosity=1\nnonsense\n", {}),
            R"(fleet.conf line 2: expected key=value, got "nonsense")");
  FleetConfig c =
      load_ok("verify_units=true\nauthorized_keys_file=/x\nfoo=bar\n[extra]\nverbosity=3\n", {});
  EXPECT_EQ(c.verbosity, 0);  // keys in a section are ignored
  EXPECT_EQ(c.warnings,
            (std::vector<std::string>{
                "fleet.conf line 4: section [extra] ignored (fleet.conf has no sections)",
                "fleet.conf: unknown option foo ignored",
                "config option verify_units is no longer supported: ignored",
                "config option authorized_keys_file is no longer supported: ignored",
            }));
  // Messages name the file that was read.
  EXPECT_EQ(load_fleet_config("token_limit=x\n", env_of({}), "/opt/fleet/fleet.conf").error(),
            R"(invalid value "x" for token_limit (from /opt/fleet/fleet.conf): not an integer)");
  // Deprecated options given through the environment warn too.
  EXPECT_EQ(load_ok(std::nullopt, {{"FLEET_VERIFY_UNITS", "true"}}).warnings.size(), 1u);
}

TEST(FleetConfig, ParsesGoDurations) {
  struct Case {
    std::string_view in;
    std::chrono::nanoseconds want;
  };
  const Case cases[] = {
      {"30s", 30s},   {"1m30s", 90s}, {"1.5h", 5400s},     {"300ms", 300ms}, {"-2s", -2s},
      {"+5m", 300s},  {"0", 0s},      {"1\xC2\xB5s", 1us}, {"2us", 2us},     {"7ns", 7ns},
      {".5s", 500ms}, {"1.s", 1s},    {"2h45m", 9900s},
  };
  for (const auto& c : cases) {
    auto got = parse_go_duration(c.in);
    ASSERT_TRUE(got.ok()) << c.in << ": " << got.error();
    EXPECT_EQ(*got, c.want) << c.in;
  }
  EXPECT_EQ(parse_go_duration("").error(), R"(time: invalid duration "")");
  EXPECT_EQ(parse_go_duration("s").error(), R"(time: invalid duration "s")");
  EXPECT_EQ(parse_go_duration(".s").error(), R"(time: invalid duration ".s")");
  EXPECT_EQ(parse_go_duration("10").error(), R"(time: missing unit in duration "10")");
  EXPECT_EQ(parse_go_duration("3d").error(), R"(time: unknown unit "d" in duration "3d")");
}

TEST(FleetConfig, DerivesTimings) {
  FleetConfig c;
  FleetTimings t = derive_timings(c);
  EXPECT_EQ(t.machine_heartbeat, 15s);
  EXPECT_EQ(t.presence_ttl, 30s);
  EXPECT_EQ(t.state_refresh, 24s);
  EXPECT_EQ(t.state_poll, 1s);
  EXPECT_EQ(t.agent_reconcile, 5s);
  EXPECT_EQ(t.engine_reconcile, 2s);
  EXPECT_EQ(t.engine_lease_ttl, 10s);

  c.agent_ttl = 10s;  // not above 10 s: half
  EXPECT_EQ(derive_timings(c).state_refresh, 5s);
  c.agent_ttl = 3s;
  EXPECT_EQ(derive_timings(c).state_refresh, 1500ms);
  EXPECT_EQ(derive_timings(c).machine_heartbeat, 1500ms);
  c.agent_ttl = 120s;
  EXPECT_EQ(derive_timings(c).state_refresh, 96s);
  c.engine_reconcile_interval = 8500ms;
  EXPECT_EQ(derive_timings(c).engine_lease_ttl, 42500ms);
}

}  // namespace
}  // namespace corestack::fleet
