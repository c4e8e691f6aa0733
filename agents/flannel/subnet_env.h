// subnet.env, the file flanneld hands its lease to Docker through (docs/flannel.md
// "subnet.env"), and mk-docker-opts, which turns it into Docker daemon options:
//   FLANNEL_NETWORK=10.1.0.0/16
//   FLANNEL_SUBNET=10.1.5.1/24      (the lease's base address + 1: docker0's --bip)
//   FLANNEL_MTU=1450
//   FLANNEL_IPMASQ=false
// Formatting and parsing are pure; write_file_atomic / read_* do file I/O only.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/flannel/expected.h"
#include "agents/flannel/ip4.h"

namespace corestack::flannel {

inline constexpr const char* kDefaultSubnetFile = "/run/flannel/subnet.env";
inline constexpr const char* kDefaultDockerOptsFile = "/run/docker_opts.env";

// The four lines above, in that order. `network` is printed masked; `lease` is our
// lease's subnet (its base address + 1 with its prefix becomes FLANNEL_SUBNET).
std::string format_subnet_env(const Ip4Net& network, const Ip4Net& lease, int mtu, bool ip_masq);

// Replaces `path` atomically: creates its directory (0755) if needed, writes
// "<dir>/.<name>", fsyncs it, renames it over `path` and fsyncs the directory, so a reader
// sees the old or the new file, never a part. Errors: "<what> <path>: <strerror>".
Expected<Done, std::string> write_file_atomic(const std::string& path, std::string_view content);

// write_file_atomic(path, format_subnet_env(...)).
Expected<Done, std::string> write_subnet_env(const std::string& path, const Ip4Net& network,
                                             const Ip4Net& lease, int mtu, bool ip_masq);

// KEY=VALUE lines as a shell would source them: blank lines and '#' comments skipped,
// an optional "export ", values unquoted from "..." or '...'. Later lines win.
std::map<std::string, std::string> parse_env_file(std::string_view text);

// The subnet a previous run wrote to `path` (FLANNEL_SUBNET masked: 10.1.5.1/24 →
// 10.1.5.0/24), for reuse after a restart. nullopt when the file does not exist (quietly)
// or cannot be read or parsed (with an error logged, as flannel v0.8 does).
std::optional<Ip4Net> read_previous_subnet(const std::string& path);

// mk-docker-opts [-f subnet.env] [-d out] [-i] [-c] [-m] [-k KEY], getopts style
// ("-ic", "-fFILE" work). Neither -i nor -c means both.
struct DockerOptsFlags {
  std::string subnet_file = kDefaultSubnetFile;   // -f
  std::string out_file = kDefaultDockerOptsFile;  // -d
  bool individual = false;                        // -i: DOCKER_OPT_BIP="..." lines
  bool combined = false;                          // -c: one DOCKER_OPTS="..." line
  bool ip_masq = true;                            // -m clears it: no --ip-masq option
  std::string combined_key = "DOCKER_OPTS";       // -k
};
// Errors: "illegal option -- x", "option requires an argument -- f", "unexpected
// argument: x" (the caller prints the usage and exits 1).
Expected<DockerOptsFlags, std::string> parse_docker_opts_args(const std::vector<std::string>& args);
std::string docker_opts_usage(std::string_view program);

// The docker env file mk-docker-opts.sh writes from `env` (parse_env_file of subnet.env):
//   DOCKER_OPT_BIP="--bip=10.1.5.1/24"
//   DOCKER_OPT_IPMASQ="--ip-masq=true"      (the inverse of FLANNEL_IPMASQ; not with -m)
//   DOCKER_OPT_MTU="--mtu=1450"
//   DOCKER_OPTS="<existing> --bip=10.1.5.1/24 --ip-masq=true --mtu=1450 "
// Options whose FLANNEL_ variable is missing or empty are left out. `existing` is the
// combined key's current value in the environment, which the script prepends. Error:
// "Invalid value of FLANNEL_IPMASQ: x".
Expected<std::string, std::string> format_docker_opts(const std::map<std::string, std::string>& env,
                                                      const DockerOptsFlags& flags,
                                                      std::string_view existing = "");

}  // namespace corestack::flannel
