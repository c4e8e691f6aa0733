#include "agents/flannel/flags.h"

#include <gtest/gtest.h>

#include <map>

namespace corestack::flannel {
namespace {

using Env = std::map<std::string, std::string>;

EnvLookup lookup(Env env) {
  return [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

Flags parse_ok(std::vector<std::string> args, Env env = {}) {
  auto flags = parse_flags(args, lookup(std::move(env)));
  EXPECT_TRUE(flags) << flags.error();
  return flags ? *flags : Flags{};
}

std::string parse_error(std::vector<std::string> args, Env env = {}) {
  auto flags = parse_flags(args, lookup(std::move(env)));
  EXPECT_FALSE(flags);
  return flags ? "" : flags.error();
}

TEST(Flags, Defaults) {
  auto f = parse_ok({});
  EXPECT_EQ(etcd_endpoints(f),
            (std::vector<std::string>{"http://127.0.0.1:4001", "http://127.0.0.1:2379"}));
  EXPECT_EQ(f.etcd_prefix, "/coreos.com/network");
  EXPECT_EQ(f.subnet_file, "/run/flannel/subnet.env");
  EXPECT_EQ(f.subnet_dir, "/run/flannel/networks");
  EXPECT_EQ(f.subnet_lease_renew_margin_min, 60);
  EXPECT_FALSE(f.ip_masq);
  EXPECT_EQ(f.iface, "");
  EXPECT_FALSE(f.public_address);
  EXPECT_EQ(f.verbosity, 0);
  EXPECT_FALSE(f.help);
  EXPECT_FALSE(f.version);
}

TEST(Flags, GoFlagSyntax) {
  auto f = parse_ok({"-etcd-endpoints", "http://a:2379, http://b:2379,", "--etcd-prefix=/x/net",
                     "-ip-masq", "-iface=eth1", "--public-ip", "10.0.0.5",
                     "-subnet-lease-renew-margin=0x1e", "-v", "2", "-logtostderr=false"});
  EXPECT_EQ(etcd_endpoints(f), (std::vector<std::string>{"http://a:2379", "http://b:2379"}));
  EXPECT_EQ(f.etcd_prefix, "/x/net");
  EXPECT_TRUE(f.ip_masq);
  EXPECT_EQ(f.iface, "eth1");
  EXPECT_EQ(f.public_address, Ip4::parse("10.0.0.5"));
  EXPECT_EQ(f.subnet_lease_renew_margin_min, 30);
  EXPECT_EQ(f.verbosity, 2);
}

TEST(Flags, ABooleanNeverTakesTheNextWord) {
  // Go: "-ip-masq false" sets true and stops at "false", which makes flanneld print usage.
  auto f = parse_ok({"-ip-masq", "false"});
  EXPECT_TRUE(f.ip_masq);
  EXPECT_TRUE(f.help);
  EXPECT_EQ(f.args, (std::vector<std::string>{"false"}));
  EXPECT_FALSE(parse_ok({"-ip-masq=false"}).ip_masq);
}

TEST(Flags, EnvironmentFillsOnlyFlagsNotGiven) {
  Env env = {{"FLANNELD_ETCD_ENDPOINTS", "http://env:2379"},
             {"FLANNELD_IFACE", "eth9"},
             {"FLANNELD_IP_MASQ", "true"},
             {"FLANNELD_SUBNET_LEASE_RENEW_MARGIN", "15"},
             {"FLANNELD_ETCD_PREFIX", ""}};  // empty counts as unset
  auto f = parse_ok({"-iface", "eth0"}, env);
  EXPECT_EQ(etcd_endpoints(f), std::vector<std::string>{"http://env:2379"});
  EXPECT_EQ(f.iface, "eth0");  // the command line wins
  EXPECT_TRUE(f.ip_masq);
  EXPECT_EQ(f.subnet_lease_renew_margin_min, 15);
  EXPECT_EQ(f.etcd_prefix, "/coreos.com/network");
  EXPECT_FALSE(parse_ok({"-ip-masq=false"}, env).ip_masq);
}

TEST(Flags, UnparsableEnvironmentIsIgnoredWithAWarning) {
  auto f =
      parse_ok({}, {{"FLANNELD_IP_MASQ", "yes"}, {"FLANNELD_SUBNET_LEASE_RENEW_MARGIN", "1h"}});
  EXPECT_FALSE(f.ip_masq);
  EXPECT_EQ(f.subnet_lease_renew_margin_min, 60);
  ASSERT_EQ(f.warnings.size(), 2u);
  EXPECT_EQ(f.warnings[0],
            "ignoring $FLANNELD_IP_MASQ=\"yes\": invalid boolean value \"yes\" for -ip-masq: "
            "parse error");
}

TEST(Flags, HelpAndVersionComeBeforeTheEnvironment) {
  Env env = {{"FLANNELD_NETWORKS", "a,b"}, {"FLANNELD_VERSION", "true"}, {"FLANNELD_IFACE", "x"}};
  auto v = parse_ok({"-version"}, env);  // -networks from env would be an error otherwise
  EXPECT_TRUE(v.version);
  EXPECT_EQ(v.iface, "");
  EXPECT_TRUE(parse_ok({"-help"}, env).help);
  EXPECT_TRUE(parse_ok({"-h"}, env).help);
  EXPECT_TRUE(parse_ok({"--help"}, env).help);
  EXPECT_FALSE(parse_ok({}, {{"FLANNELD_VERSION", "true"}, {"FLANNELD_HELP", "1"}}).version);
}

TEST(Flags, UnsupportedModesAreRefusedWhenSet) {
  EXPECT_EQ(parse_error({"-networks", "a,b"}),
            "-networks is not supported: multi-network mode was removed in flannel v0.8; run one "
            "flanneld per network, each with its own -etcd-prefix");
  EXPECT_EQ(parse_error({"-watch-networks"}).rfind("-watch-networks is not supported: ", 0), 0u);
  EXPECT_EQ(parse_error({"-listen", ":8080"}).rfind("-listen is not supported: the client/", 0),
            0u);
  EXPECT_EQ(parse_error({"-remote=10.0.0.1:8080"}).rfind("-remote is not supported", 0), 0u);
  EXPECT_EQ(parse_error({"-remote-cafile", "ca"}).rfind("-remote-cafile is not supported", 0), 0u);
  EXPECT_EQ(parse_error({"-kube-subnet-mgr"}),
            "-kube-subnet-mgr is not supported: this flanneld keeps its leases in etcd only");
  EXPECT_EQ(parse_error({}, {{"FLANNELD_NETWORKS", "a"}}).rfind("-networks is not supported", 0),
            0u);
  // Their defaults are fine.
  parse_ok({"-networks=", "-watch-networks=false", "-kube-subnet-mgr=false"});
}

TEST(Flags, ErrorTexts) {
  EXPECT_EQ(parse_error({"-nope"}), "flag provided but not defined: -nope");
  EXPECT_EQ(parse_error({"-iface"}), "flag needs an argument: -iface");
  EXPECT_EQ(parse_error({"-ip-masq=yes"}),
            "invalid boolean value \"yes\" for -ip-masq: parse error");
  EXPECT_EQ(parse_error({"-subnet-lease-renew-margin", "1h"}),
            "invalid value \"1h\" for flag -subnet-lease-renew-margin: parse error");
  EXPECT_EQ(parse_error({"---x"}), "bad flag syntax: ---x");
  EXPECT_EQ(parse_error({"-public-ip", "example.com"}),
            "invalid -public-ip \"example.com\": not an IPv4 address");
  for (const char* margin : {"0", "-5", "1440"}) {
    EXPECT_EQ(parse_error({"-subnet-lease-renew-margin", margin}),
              "Invalid subnet-lease-renew-margin option, out of acceptable range");
  }
  parse_ok({"-subnet-lease-renew-margin", "1439"});
}

TEST(Flags, EtcdConfigWithCaOnlyTls) {
  auto f = parse_ok({"-etcd-endpoints=https://e1:2379,https://e2:2379", "-etcd-cafile=/ca.pem",
                     "-etcd-username=flannel", "-etcd-password=secret"});
  auto config = etcd_config(f);
  EXPECT_EQ(config.endpoints, (std::vector<std::string>{"https://e1:2379", "https://e2:2379"}));
  EXPECT_EQ(config.ca_file, "/ca.pem");
  EXPECT_EQ(config.cert_file, "");
  EXPECT_EQ(config.username, "flannel");
  EXPECT_EQ(config.password, "secret");
  EXPECT_TRUE(config.validate());
  f.etcd_certfile = "/cert.pem";
  EXPECT_FALSE(etcd_config(f).validate());  // a certificate needs its key
}

TEST(Flags, UsageLooksLikeGoPrintDefaults) {
  const std::string usage = flags_usage("flanneld");
  EXPECT_EQ(usage.rfind("Usage: flanneld [OPTION]...\n", 0), 0u);
  EXPECT_NE(usage.find("  -etcd-endpoints string\n    \ta comma-delimited list of etcd endpoints "
                       "(default \"http://127.0.0.1:4001,http://127.0.0.1:2379\")\n"),
            std::string::npos);
  EXPECT_NE(usage.find("  -ip-masq\n    \tsetup IP masquerade"), std::string::npos);
  EXPECT_NE(usage.find("  -subnet-lease-renew-margin int\n    \tSubnet lease renewal margin, in "
                       "minutes. (default 60)\n"),
            std::string::npos);
  EXPECT_LT(usage.find("-etcd-cafile"), usage.find("-etcd-certfile"));  // sorted by name
}

}  // namespace
}  // namespace corestack::flannel
