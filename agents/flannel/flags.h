// flanneld's command line (docs/flannel.md "Flags and environment"): flannel v0.7.1's
// flags in Go flag syntax (-name value, -name=value, --name=value; booleans only as
// -name or -name=false), each also settable as $FLANNELD_<NAME> (upper case, '-' → '_')
// when not given on the command line. -help / -version are looked at before the
// environment, as the reference does. The multi-network, client/server and Kubernetes
// flags are accepted so old unit files parse, but setting one is an error: this flanneld
// runs one network from etcd. glog's flags (-logtostderr, ...) are accepted and ignored.
//
// Pure: the environment is an injected lookup (main() passes one over getenv).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/etcdclient/config.h"
#include "agents/flannel/expected.h"
#include "agents/flannel/ip4.h"

namespace corestack::flannel {

// Returns the variable's value, or nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

struct Flags {
  std::string etcd_endpoints = "http://127.0.0.1:4001,http://127.0.0.1:2379";  // comma list
  std::string etcd_prefix = "/coreos.com/network";
  std::string etcd_keyfile;
  std::string etcd_certfile;
  std::string etcd_cafile;
  std::string etcd_username;
  std::string etcd_password;
  std::string iface;      // interface name or one of its IPv4 addresses; "" = default route's
  std::string public_ip;  // as given; see public_address
  bool ip_masq = false;
  std::string subnet_file = "/run/flannel/subnet.env";
  std::string subnet_dir = "/run/flannel/networks";  // multi-network only: unused here
  int subnet_lease_renew_margin_min = 60;            // renew this long before expiry
  int verbosity = 0;                                 // -v (glog levels; 0 = info)
  bool help = false;     // -help, -h, or arguments after the flags: print usage, exit 0
  bool version = false;  // -version: print the version, exit 0

  // Accepted for compatibility; parse_flags fails when any is set.
  std::string networks;
  bool watch_networks = false;
  std::string listen;
  std::string remote;
  std::string remote_keyfile;
  std::string remote_certfile;
  std::string remote_cafile;
  bool kube_subnet_mgr = false;
  // glog flags: accepted, no effect (logs always go to stderr).
  bool logtostderr = false;
  bool alsologtostderr = false;
  std::string stderrthreshold;
  std::string log_dir;
  std::string log_backtrace_at;
  std::string vmodule;

  std::optional<Ip4> public_address;  // -public-ip parsed; nullopt = the interface's address
  std::vector<std::string> args;      // what follows the flags (makes help true)
  // $FLANNELD_* values that did not parse and were ignored, as the reference does;
  // flanneld logs each ("ignoring $FLANNELD_IP_MASQ=\"yes\": invalid boolean value").
  std::vector<std::string> warnings;
};

// Parses `args` (without the program name), then the environment for flags not given,
// then validates. With -help/-version (or extra arguments) the environment is not read
// and nothing is validated. Errors (Go's flag package texts, then ours):
//   "flag provided but not defined: -x"   "flag needs an argument: -iface"
//   "invalid boolean value \"x\" for -ip-masq: parse error"
//   "invalid value \"x\" for flag -subnet-lease-renew-margin: parse error"
//   "bad flag syntax: ---x"
//   "invalid -public-ip \"x\": not an IPv4 address"
//   "Invalid subnet-lease-renew-margin option, out of acceptable range" (1..1439 minutes)
//   "-networks is not supported: ..." (and -watch-networks, -listen, -remote*,
//   -kube-subnet-mgr)
Expected<Flags, std::string> parse_flags(const std::vector<std::string>& args,
                                         const EnvLookup& env);

// Go's flag.PrintDefaults for flanneld's flags, preceded by "Usage: <program> [OPTION]...".
std::string flags_usage(std::string_view program);

// -etcd-endpoints split at ',' and trimmed (empty items dropped).
std::vector<std::string> etcd_endpoints(const Flags& flags);

// The etcd client configuration: endpoints, TLS files (a CA file alone verifies the
// servers; cert + key add a client certificate), basic auth. Client::create validates it.
etcd::client::Config etcd_config(const Flags& flags);

}  // namespace corestack::flannel
