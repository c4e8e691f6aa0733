// The external interface: the host NIC flannel's tunnels (or host-gw routes) run over and
// the address other hosts reach it at (flanneld -iface, -public-ip; docs/flannel.md).
// Reads the kernel through Netlink, changes nothing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agents/flannel/backend.h"
#include "agents/flannel/dataplane/netlink.h"

namespace corestack::flannel {

// iface: a link name, an IPv4 address of some link, or empty for the link of the first
// default route. public_ip: empty for the interface address. Throws std::runtime_error
// (the lookup that failed, the interface without an IPv4 address, MTU 0, a bad -public-ip).
ExternalInterface pick_external_interface(Netlink& netlink, const std::string& iface,
                                          const std::string& public_ip);

// The first global unicast IPv4 address, else a link-local one (169.254/16), as flannel's
// GetIfaceIP4Addr; nullopt when there is neither (loopback only, no address).
std::optional<Ip4> choose_interface_address(const std::vector<AddressEntry>& addresses);

}  // namespace corestack::flannel
