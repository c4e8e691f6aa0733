#include "agents/fleet/host_identity.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <cstdint>
#include <fstream>
#include <sstream>

namespace corestack::fleet {
namespace {

bool global_unicast(in_addr_t host_order) {
  const uint32_t a = host_order;
  const bool loopback = (a >> 24) == 127;
  const bool link_local = (a >> 16) == 0xa9fe;  // 169.254/16
  const bool multicast = (a >> 28) == 0xe;
  return a != 0 && !loopback && !link_local && !multicast && a != 0xffffffff;
}

}  // namespace

std::optional<std::string> default_route_interface(std::string_view routes) {
  std::istringstream in{std::string(routes)};
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string iface, destination, gateway, flags, refcnt, use, metric, mask;
    if (!(fields >> iface >> destination >> gateway >> flags >> refcnt >> use >> metric >> mask)) {
      continue;
    }
    if (destination == "00000000" && mask == "00000000") return iface;
  }
  return std::nullopt;
}

std::optional<std::string> interface_ipv4(const std::string& interface) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return std::nullopt;
  std::optional<std::string> found;
  for (ifaddrs* a = list; a != nullptr && !found; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    if (interface != a->ifa_name) continue;
    const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    if (!global_unicast(ntohl(in->sin_addr.s_addr))) continue;
    char text[INET_ADDRSTRLEN];
    if (::inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text)) != nullptr) found = text;
  }
  ::freeifaddrs(list);
  return found;
}

std::string detect_public_ip(const std::string& configured, const std::string& route_file) {
  if (!configured.empty()) return configured;
  std::ifstream file(route_file);
  std::stringstream text;
  text << file.rdbuf();
  const auto iface = default_route_interface(text.str());
  if (!iface) return "";
  return interface_ipv4(*iface).value_or("");
}

}  // namespace corestack::fleet
