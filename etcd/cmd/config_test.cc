#include "etcd/cmd/config.h"

#include <map>

#include <gtest/gtest.h>

namespace etcd::cmd {
namespace {

struct Env {
  std::map<std::string, std::string> vars;
  EnvLookup lookup() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

ParseOutcome parse(std::vector<std::string> args, const Env& env = {}) {
  return parse_config(args, env.lookup());
}

TEST(Config, DefaultsMatchEtcd) {
  auto out = parse({});
  ASSERT_EQ(out.action, ParseOutcome::Action::run) << out.error;
  const Config& c = out.config;
  EXPECT_EQ(c.name, "default");
  EXPECT_EQ(c.data_dir, "default.etcd");
  EXPECT_EQ(c.snapshot_count, 10000u);
  EXPECT_EQ(c.heartbeat_interval_ms, 100u);
  EXPECT_EQ(c.election_timeout_ms, 1000u);
  ASSERT_EQ(c.listen_client_urls.size(), 2u);
  EXPECT_EQ(c.listen_client_urls[0].port, 2379);
  EXPECT_EQ(c.listen_client_urls[1].port, 4001);
  ASSERT_EQ(c.listen_peer_urls.size(), 2u);
  EXPECT_EQ(c.listen_peer_urls[0].port, 2380);
  EXPECT_EQ(c.listen_peer_urls[1].port, 7001);
  EXPECT_EQ(c.max_snapshots, 5u);
  EXPECT_EQ(c.max_wals, 5u);
  EXPECT_EQ(c.initial_cluster_state, ClusterState::fresh);
  EXPECT_EQ(c.initial_cluster_token, "etcd-cluster");
  EXPECT_EQ(c.proxy, ProxyMode::off);
  EXPECT_EQ(c.discovery_fallback, DiscoveryFallback::proxy);
  EXPECT_TRUE(c.strict_reconfig_check);
  EXPECT_FALSE(c.debug);
  ASSERT_EQ(c.initial_cluster.size(), 2u);
  EXPECT_EQ(c.initial_cluster[0].name, "default");
}

TEST(Config, FlagsParsedInBothSyntaxes) {
  auto out =
      parse({"--name", "n1", "--snapshot-count=500", "-heartbeat-interval", "50",
             "--election-timeout=500", "--initial-advertise-peer-urls", "http://10.0.0.1:2380",
             "--initial-cluster", "n1=http://10.0.0.1:2380,n2=http://10.0.0.2:2380", "--debug"});
  ASSERT_EQ(out.action, ParseOutcome::Action::run) << out.error;
  EXPECT_EQ(out.config.name, "n1");
  EXPECT_EQ(out.config.data_dir, "n1.etcd");
  EXPECT_EQ(out.config.snapshot_count, 500u);
  EXPECT_EQ(out.config.heartbeat_interval_ms, 50u);
  EXPECT_TRUE(out.config.debug);
  ASSERT_EQ(out.config.initial_cluster.size(), 2u);
  EXPECT_EQ(out.config.initial_cluster[1].name, "n2");
  EXPECT_EQ(out.config.initial_cluster[1].url.host, "10.0.0.2");
}

TEST(Config, ARepeatedFlagTakesItsLastValueAsGoFlagsDo) {
  auto out = parse({"--snapshot-count", "5", "--snapshot-count=100", "--debug", "--debug"});
  ASSERT_EQ(out.action, ParseOutcome::Action::run) << out.error;
  EXPECT_EQ(out.config.snapshot_count, 100u);
}

TEST(Config, V3FlagsAndTheirErrors) {
  auto defaults = parse({});
  ASSERT_EQ(defaults.action, ParseOutcome::Action::run) << defaults.error;
  EXPECT_EQ(defaults.config.max_txn_ops, 128u);
  EXPECT_EQ(defaults.config.max_request_bytes, 1572864u);
  EXPECT_EQ(defaults.config.auto_compaction_retention_ns, 0);
  constexpr int64_t kMinute = 60'000'000'000;
  EXPECT_EQ(parse({"--auto-compaction-retention", "2"}).config.auto_compaction_retention_ns,
            120 * kMinute);
  EXPECT_EQ(parse({"--auto-compaction-retention=1h30m"}).config.auto_compaction_retention_ns,
            90 * kMinute);
  EXPECT_EQ(parse({"--auto-compaction-retention=500ms"}).config.auto_compaction_retention_ns,
            500'000'000);
  auto revision = parse(
      {"--auto-compaction-mode=revision", "--auto-compaction-retention=1000", "--max-txn-ops=64"});
  ASSERT_EQ(revision.action, ParseOutcome::Action::run) << revision.error;
  EXPECT_EQ(revision.config.auto_compaction_revisions, 1000);
  EXPECT_EQ(revision.config.auto_compaction_retention_ns, 0);
  EXPECT_EQ(revision.config.max_txn_ops, 64u);
  EXPECT_NE(
      parse({"--auto-compaction-retention=10x"})
          .error.find("invalid value \"10x\" for flag --auto-compaction-retention: not a duration"),
      std::string::npos);
  EXPECT_NE(parse({"--auto-compaction-mode=daily"}).error.find("must be 'periodic' or 'revision'"),
            std::string::npos);
  EXPECT_NE(parse({"--max-txn-ops=0"}).error.find("--max-txn-ops"), std::string::npos);
}

TEST(Config, EnvironmentFillsUnsetFlags) {
  Env env{{{"ETCD_NAME", "from-env"},
           {"ETCD_DATA_DIR", "/var/lib/etcd2"},
           {"ETCD_DEBUG", "1"},
           {"ETCD_INITIAL_CLUSTER_STATE", "existing"},
           {"ETCD_STRICT_RECONFIG_CHECK", "false"}}};
  auto out = parse({}, env);
  ASSERT_EQ(out.action, ParseOutcome::Action::run) << out.error;
  EXPECT_EQ(out.config.name, "from-env");
  EXPECT_EQ(out.config.data_dir, "/var/lib/etcd2");
  EXPECT_TRUE(out.config.debug);
  EXPECT_EQ(out.config.initial_cluster_state, ClusterState::existing);
  EXPECT_FALSE(out.config.strict_reconfig_check);
}

TEST(Config, FlagsWinOverEnvironment) {
  Env env{{{"ETCD_NAME", "from-env"}, {"ETCD_SNAPSHOT_COUNT", "7"}}};
  auto out = parse({"--name", "from-flag"}, env);
  ASSERT_EQ(out.action, ParseOutcome::Action::run) << out.error;
  EXPECT_EQ(out.config.name, "from-flag");
  EXPECT_EQ(out.config.snapshot_count, 7u);
}

TEST(Config, BadUrlNamesFlagAndValue) {
  auto out = parse({"--listen-client-urls", "notaurl"});
  EXPECT_EQ(out.action, ParseOutcome::Action::exit);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.error.find("--listen-client-urls"), std::string::npos) << out.error;
  EXPECT_NE(out.error.find("\"notaurl\""), std::string::npos) << out.error;
}

TEST(Config, BadValuesFromEnvAreRejectedToo) {
  Env env{{{"ETCD_HEARTBEAT_INTERVAL", "fast"}}};
  auto out = parse({}, env);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.error.find("--heartbeat-interval"), std::string::npos) << out.error;
}

struct BadCase {
  std::vector<std::string> args;
  std::string expect_in_error;
};

void PrintTo(const BadCase& c, std::ostream* os) {
  for (const auto& a : c.args)
    *os << a << ' ';
}

class ConfigRejects : public ::testing::TestWithParam<BadCase> {};

TEST_P(ConfigRejects, WithExitCode2AndClearMessage) {
  auto out = parse(GetParam().args);
  EXPECT_EQ(out.action, ParseOutcome::Action::exit);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.error.find(GetParam().expect_in_error), std::string::npos) << out.error;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigRejects,
    ::testing::Values(
        BadCase{{"--no-such-flag"}, "--no-such-flag"},
        BadCase{{"stray-positional"}, "stray-positional"},
        BadCase{{"--snapshot-count", "-5"}, "--snapshot-count"},
        BadCase{{"--snapshot-count", "12abc"}, "--snapshot-count"},
        BadCase{{"--heartbeat-interval", "300"}, "at least as 5 times"},
        BadCase{{"--initial-cluster-state", "maybe"}, "--initial-cluster-state"},
        BadCase{{"--proxy", "sometimes"}, "--proxy"},
        BadCase{{"--discovery-fallback", "retry"}, "--discovery-fallback"},
        BadCase{{"--listen-peer-urls", "http://host-without-port"}, "host:port"},
        BadCase{{"--advertise-client-urls", "ftp://x:1"}, "URL scheme"},
        BadCase{{"--listen-client-urls", "http://x:99999"}, "invalid port"},
        BadCase{{"--listen-client-urls", "https://127.0.0.1:2379"},
                "must be provided for client url"},
        BadCase{{"--listen-client-urls", "unixs://sock:1"}, "TLS on unix sockets"},
        BadCase{{"--initial-cluster", "justaname"}, "name=url"},
        BadCase{{"--initial-cluster", "other=http://10.0.0.9:2380"}, "must include default="},
        BadCase{{"--debug=perhaps"}, "debug"},
        BadCase{{"--cert-file", "a.pem"}, "must be given together"},
        BadCase{{"--client-cert-auth"}, "requires --trusted-ca-file"},
        BadCase{{"--discovery", "http://d/x", "--initial-cluster", "default=http://localhost:2380"},
                "Choose one of"},
        BadCase{{"--name"}, "--name"}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      return "Case" + std::to_string(info.index);
    });

TEST(Config, VersionAndHelpExitZero) {
  auto version = parse({"--version"});
  EXPECT_EQ(version.action, ParseOutcome::Action::exit);
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.output.find("etcd2 Version: "), std::string::npos);
  auto help = parse({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--initial-cluster-token"), std::string::npos);
}

TEST(Config, UnknownEtcdEnvIsAWarningNotAnError) {
  Env env;
  auto out = parse_config({}, env.lookup(), {"ETCD_NAME", "ETCD_BOGUS", "PATH"});
  ASSERT_EQ(out.action, ParseOutcome::Action::run);
  ASSERT_EQ(out.warnings.size(), 1u);
  EXPECT_NE(out.warnings[0].find("ETCD_BOGUS"), std::string::npos);
}

TEST(Config, LegacyCaFileImpliesClientCertAuth) {
  auto out = parse({"--cert-file", "c.pem", "--key-file", "k.pem", "--ca-file", "ca.pem"});
  ASSERT_EQ(out.action, ParseOutcome::Action::run) << out.error;
  EXPECT_TRUE(out.config.client_tls.client_cert_auth);
  EXPECT_EQ(out.config.client_tls.trusted_ca_file, "ca.pem");
}

TEST(Url, ParsesHostPortAndIpv6) {
  auto url = parse_url("https://[::1]:2379");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 2379);
  EXPECT_FALSE(parse_url("http://a:1/path").ok());
  EXPECT_TRUE(parse_url("http://a:1/").ok());
}

}  // namespace
}  // namespace etcd::cmd
