// What fleetd says about its host in machines/<id>/object: the machine ID (/etc/machine-id)
// and the public IP (fleet.conf public_ip, else the first global IPv4 address of the
// interface that carries the default route, as fleet does). Refreshed every minute by fleetd.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace corestack::fleet {

// The interface of the first IPv4 default route in /proc/net/route's format (`routes` is
// that file's text); nullopt when there is none.
std::optional<std::string> default_route_interface(std::string_view routes);

// The first global-unicast IPv4 address of `interface`; nullopt when it has none.
std::optional<std::string> interface_ipv4(const std::string& interface);

// The configured address when set, else the default route's interface address, else "".
std::string detect_public_ip(const std::string& configured,
                             const std::string& route_file = "/proc/net/route");

}  // namespace corestack::fleet
