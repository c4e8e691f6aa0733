// The network configuration flannel reads from <prefix>/config (docs/flannel.md "Network
// config"): the overlay Network, the SubnetLen each host gets, the SubnetMin..SubnetMax
// range leases are taken from, and the Backend. Parsed as flannel v0.7 does (Go's
// case-insensitive field names, unknown fields ignored, the same defaults and error texts),
// plus checks the reference lacked: Network is required, SubnetLen at most 30, SubnetMin
// and SubnetMax aligned to SubnetLen (flannel#430) and in order. Pure; no I/O.
#pragma once

#include <string>
#include <string_view>

#include "agents/flannel/expected.h"
#include "agents/flannel/ip4.h"

namespace corestack::flannel {

inline constexpr int kDefaultVni = 1;
inline constexpr int kKernelVxlanPort = 8472;  // what the kernel uses when Port is 0
inline constexpr int kDefaultUdpPort = 8285;

// {"Type":"vxlan","VNI":1,"Port":0,"GBP":false,"DirectRouting":false}
struct VxlanConfig {
  int vni = kDefaultVni;        // 0..16777215
  int port = 0;                 // 0: the kernel's default (kKernelVxlanPort)
  bool gbp = false;             // VXLAN group-based policy extension
  bool direct_routing = false;  // host-gw style routes to hosts on the same L2 (v0.9)
};

// {"Type":"udp","Port":8285}
struct UdpConfig {
  int port = kDefaultUdpPort;  // 1..65535; every host must use the same one
};

struct BackendConfig {
  std::string type = "udp";  // lower case: "udp", "vxlan" or "host-gw"
  VxlanConfig vxlan;         // meaningful when type == "vxlan"
  UdpConfig udp;             // meaningful when type == "udp"
  std::string raw;           // the Backend object's text as stored; "" when absent
};

struct NetworkConfig {
  Ip4Net network;      // masked to its network address
  int subnet_len = 0;  // prefix of every lease, network.prefix..30
  Ip4 subnet_min;      // first lease base address (aligned to subnet_len)
  Ip4 subnet_max;      // last lease base address (aligned, >= subnet_min)
  BackendConfig backend;

  // True when `subnet` may be a lease under this config: prefix == subnet_len, aligned,
  // base address within [subnet_min, subnet_max].
  bool compatible(const Ip4Net& subnet) const;
  // The number of candidate subnets in [subnet_min, subnet_max].
  uint64_t subnet_count() const;
};

// Parses the value of <prefix>/config. Errors (one line each, as flanneld logs them):
//   "network config is not valid JSON: ..."       "network config is not a JSON object"
//   "Network is missing"                           "Network: expected a CIDR string"
//   "invalid Network \"x\": not an IPv4 CIDR"      "SubnetLen: expected an integer"
//   "HostSubnet is larger network than Network"    "SubnetLen 31 is too long: at most 30 ..."
//   "SubnetMin is not in the range of the Network" "SubnetMax is not in the range of the Network"
//   "SubnetMin 10.1.1.128 is not aligned to SubnetLen 24 (the subnet starts at 10.1.1.0)"
//   "SubnetMin 10.1.9.0 is greater than SubnetMax 10.1.2.0"
//   "unknown backend type: <t>"   "Backend.VNI: expected an integer"  (and the like)
Expected<NetworkConfig, std::string> parse_network_config(std::string_view json);

}  // namespace corestack::flannel
