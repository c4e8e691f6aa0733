#include "agents/flannel/dataplane/interface.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace corestack::flannel {
namespace {

bool link_local(Ip4 ip) {
  return (ip.value >> 16) == 0xa9fe;
}  // 169.254.0.0/16

// Go's net.IP.IsGlobalUnicast for IPv4: not 0.0.0.0, loopback, multicast, link-local or
// the limited broadcast. Private ranges count as global.
bool global_unicast(Ip4 ip) {
  const uint32_t first_octet = ip.value >> 24;
  return ip.value != 0 && first_octet != 127 && (first_octet & 0xf0) != 0xe0 && !link_local(ip) &&
         ip.value != 0xffffffff;
}

// The link owning `address` (flannel's GetInterfaceByIP).
LinkInfo link_with_address(Netlink& netlink, Ip4 address) {
  for (const auto& link : netlink.links()) {
    for (const auto& entry : netlink.addresses(link.index)) {
      if (entry.address.ip == address) return link;
    }
  }
  throw std::runtime_error("error looking up interface " + address.to_string() +
                           ": no interface with given IP found");
}

// The link named by -iface, or the default route's. Fills `address` when -iface was an IP.
LinkInfo find_external_link(Netlink& netlink, const std::string& iface,
                            std::optional<Ip4>& address) {
  if (iface.empty()) {
    spdlog::info("Determining IP address of default interface");
    auto index = netlink.default_route_interface();
    if (!index) throw std::runtime_error("failed to get default interface: no default route");
    return netlink.link(*index);
  }
  if (auto ip = Ip4::parse(iface)) {
    spdlog::info("Searching for interface using {}", iface);
    address = ip;
    return link_with_address(netlink, *ip);
  }
  auto link = netlink.find_link(iface);
  if (!link)
    throw std::runtime_error("error looking up interface " + iface + ": no such interface");
  return *link;
}

}  // namespace

std::optional<Ip4> choose_interface_address(const std::vector<AddressEntry>& addresses) {
  std::optional<Ip4> fallback;
  for (const auto& entry : addresses) {
    if (global_unicast(entry.address.ip)) return entry.address.ip;
    if (link_local(entry.address.ip)) fallback = entry.address.ip;
  }
  return fallback;
}

ExternalInterface pick_external_interface(Netlink& netlink, const std::string& iface,
                                          const std::string& public_ip) {
  std::optional<Ip4> address;
  const LinkInfo link = find_external_link(netlink, iface, address);
  if (!address) address = choose_interface_address(netlink.addresses(link.index));
  if (!address) {
    throw std::runtime_error("failed to find IPv4 address for interface " + link.name +
                             ": No IPv4 address found for given interface");
  }
  spdlog::info("Using interface with name {} and address {}", link.name, address->to_string());
  if (link.mtu == 0) {
    throw std::runtime_error("failed to determine MTU for " + address->to_string() + " interface");
  }
  ExternalInterface external{link.name, link.index, *address, *address, link.mtu};
  if (!public_ip.empty()) {
    auto parsed = Ip4::parse(public_ip);
    if (!parsed) throw std::runtime_error("invalid public IP address: " + public_ip);
    spdlog::info("Using {} as external address", public_ip);
    external.public_ip = *parsed;
  } else {
    spdlog::info("Defaulting external address to interface address ({})", address->to_string());
  }
  return external;
}

}  // namespace corestack::flannel
