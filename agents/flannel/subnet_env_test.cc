#include "agents/flannel/subnet_env.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace corestack::flannel {
namespace {

namespace fs = std::filesystem;

Ip4Net net(const char* text) {
  return *Ip4Net::parse(text);
}

std::string read(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct TempDir {
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "flannel-env-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

TEST(SubnetEnv, FormatsExactly) {
  EXPECT_EQ(format_subnet_env(net("10.1.0.0/16"), net("10.1.5.0/24"), 1450, false),
            "FLANNEL_NETWORK=10.1.0.0/16\nFLANNEL_SUBNET=10.1.5.1/24\nFLANNEL_MTU=1450\n"
            "FLANNEL_IPMASQ=false\n");
  EXPECT_EQ(format_subnet_env(net("10.5.3.3/20"), net("10.5.3.128/25"), 1472, true),
            "FLANNEL_NETWORK=10.5.0.0/20\nFLANNEL_SUBNET=10.5.3.129/25\nFLANNEL_MTU=1472\n"
            "FLANNEL_IPMASQ=true\n");
}

TEST(SubnetEnv, WritesAtomicallyCreatingTheDirectory) {
  TempDir tmp;
  const fs::path file = tmp.path / "run" / "flannel" / "subnet.env";
  ASSERT_TRUE(write_subnet_env(file.string(), net("10.1.0.0/16"), net("10.1.5.0/24"), 1450, false));
  EXPECT_EQ(read(file), format_subnet_env(net("10.1.0.0/16"), net("10.1.5.0/24"), 1450, false));
  struct stat st {};
  ASSERT_EQ(::stat(file.parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  // Rewritten in place; no temporary left behind.
  ASSERT_TRUE(write_subnet_env(file.string(), net("10.1.0.0/16"), net("10.1.9.0/24"), 1450, true));
  EXPECT_NE(read(file).find("FLANNEL_SUBNET=10.1.9.1/24\n"), std::string::npos);
  EXPECT_EQ(std::distance(fs::directory_iterator(file.parent_path()), fs::directory_iterator()), 1);
}

TEST(SubnetEnv, WriteFailureNamesThePath) {
  TempDir tmp;
  const fs::path blocker = tmp.path / "file";
  std::ofstream(blocker) << "x";
  auto written = write_file_atomic((blocker / "sub" / "subnet.env").string(), "x");
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().find("cannot create directory " + (blocker / "sub").string() + ": "),
            std::string::npos)
      << written.error();
}

TEST(SubnetEnv, ParsesEnvFilesLikeAShell) {
  auto env = parse_env_file(
      "# comment\n\nFLANNEL_NETWORK=10.1.0.0/16\nexport FLANNEL_MTU=\"1450\"\n"
      "FLANNEL_IPMASQ='true'\r\nbroken line\n=x\nFLANNEL_MTU=1400");
  EXPECT_EQ(env.size(), 3u);
  EXPECT_EQ(env["FLANNEL_NETWORK"], "10.1.0.0/16");
  EXPECT_EQ(env["FLANNEL_MTU"], "1400");
  EXPECT_EQ(env["FLANNEL_IPMASQ"], "true");
}

TEST(SubnetEnv, ReadsThePreviousSubnet) {
  TempDir tmp;
  const fs::path file = tmp.path / "subnet.env";
  EXPECT_FALSE(read_previous_subnet(file.string()));  // no file: quietly nothing
  std::ofstream(file) << format_subnet_env(net("10.1.0.0/16"), net("10.1.5.0/24"), 1450, false);
  EXPECT_EQ(read_previous_subnet(file.string()), net("10.1.5.0/24"));
  std::ofstream(file) << "FLANNEL_SUBNET=garbage\n";
  EXPECT_FALSE(read_previous_subnet(file.string()));
  std::ofstream(file) << "FLANNEL_NETWORK=10.1.0.0/16\n";
  EXPECT_FALSE(read_previous_subnet(file.string()));
}

DockerOptsFlags docker_flags(std::vector<std::string> args) {
  auto flags = parse_docker_opts_args(args);
  EXPECT_TRUE(flags) << flags.error();
  return flags ? *flags : DockerOptsFlags{};
}

const std::map<std::string, std::string> kEnv = {{"FLANNEL_NETWORK", "10.1.0.0/16"},
                                                 {"FLANNEL_SUBNET", "10.1.5.1/24"},
                                                 {"FLANNEL_MTU", "1450"},
                                                 {"FLANNEL_IPMASQ", "false"}};

TEST(DockerOpts, DefaultsWriteBothForms) {
  auto flags = docker_flags({});
  EXPECT_EQ(flags.subnet_file, "/run/flannel/subnet.env");
  EXPECT_EQ(flags.out_file, "/run/docker_opts.env");
  EXPECT_EQ(*format_docker_opts(kEnv, flags),
            "DOCKER_OPT_BIP=\"--bip=10.1.5.1/24\"\n"
            "DOCKER_OPT_IPMASQ=\"--ip-masq=true\"\n"
            "DOCKER_OPT_MTU=\"--mtu=1450\"\n"
            "DOCKER_OPTS=\" --bip=10.1.5.1/24 --ip-masq=true --mtu=1450 \"\n");
}

TEST(DockerOpts, IndividualAsCoreOSRunsIt) {
  auto flags = docker_flags({"-d", "/run/flannel_docker_opts.env", "-i"});
  EXPECT_EQ(flags.out_file, "/run/flannel_docker_opts.env");
  auto env = kEnv;
  env["FLANNEL_IPMASQ"] = "true";  // flanneld masquerades: docker must not
  EXPECT_EQ(*format_docker_opts(env, flags),
            "DOCKER_OPT_BIP=\"--bip=10.1.5.1/24\"\n"
            "DOCKER_OPT_IPMASQ=\"--ip-masq=false\"\n"
            "DOCKER_OPT_MTU=\"--mtu=1450\"\n");
}

TEST(DockerOpts, CombinedWithKeyWithoutMasqPrependingTheEnvironment) {
  auto flags = docker_flags({"-cmk", "DOCKER_NETWORK_OPTIONS", "-f/tmp/x.env"});
  EXPECT_EQ(flags.subnet_file, "/tmp/x.env");
  EXPECT_EQ(*format_docker_opts(kEnv, flags),
            "DOCKER_NETWORK_OPTIONS=\" --bip=10.1.5.1/24 --mtu=1450 \"\n");
  EXPECT_EQ(*format_docker_opts(kEnv, flags, "--debug"),
            "DOCKER_NETWORK_OPTIONS=\"--debug --bip=10.1.5.1/24 --mtu=1450 \"\n");
}

TEST(DockerOpts, MissingValuesAreLeftOut) {
  EXPECT_EQ(*format_docker_opts({{"FLANNEL_MTU", "1472"}}, docker_flags({})),
            "DOCKER_OPT_MTU=\"--mtu=1472\"\nDOCKER_OPTS=\" --mtu=1472 \"\n");
  EXPECT_EQ(*format_docker_opts({}, docker_flags({"-c"})), "DOCKER_OPTS=\" \"\n");
}

TEST(DockerOpts, Errors) {
  auto env = kEnv;
  env["FLANNEL_IPMASQ"] = "yes";
  EXPECT_EQ(format_docker_opts(env, docker_flags({})).error(),
            "Invalid value of FLANNEL_IPMASQ: yes");
  EXPECT_TRUE(format_docker_opts(env, docker_flags({"-m"})));  // not looked at with -m
  EXPECT_EQ(parse_docker_opts_args({"-x"}).error(), "illegal option -- x");
  EXPECT_EQ(parse_docker_opts_args({"-i", "-d"}).error(), "option requires an argument -- d");
  EXPECT_EQ(parse_docker_opts_args({"extra"}).error(), "unexpected argument: extra");
  EXPECT_NE(docker_opts_usage("mk-docker-opts").find("-k\tSet the combined options key"),
            std::string::npos);
}

}  // namespace
}  // namespace corestack::flannel
