// Netlink: the rtnetlink operations flannel's backends need (links, addresses, routes,
// neighbours, the vxlan FDB), over libnl-route-3. One NETLINK_ROUTE socket bound to the
// network namespace of the thread that constructs it; every later call acts in that
// namespace, whichever thread makes it. Not thread-safe: one Netlink per thread.
//
// Every kernel error becomes a NetlinkError (a std::runtime_error) whose message names the
// operation and its arguments, then libnl's text: "add route 10.1.2.0/24 via 10.1.2.0 dev 7
// onlink: Invalid input data or parameter". code() keeps libnl's NLE_* value so callers can
// tolerate "exists" / "not found".
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "agents/flannel/ip4.h"

struct nl_sock;
struct nl_msg;
struct nlmsghdr;

namespace corestack::flannel {

struct MacAddress {
  std::array<uint8_t, 6> bytes{};

  static std::optional<MacAddress> parse(std::string_view text);  // "82:4b:b6:2f:54:4e"
  std::string to_string() const;                                  // lowercase, colons
  auto operator<=>(const MacAddress&) const = default;
};

class NetlinkError : public std::runtime_error {
 public:
  NetlinkError(const std::string& what, int nl_code);
  int code() const { return code_; }  // libnl's NLE_* (positive)
  bool exists() const;                // NLE_EXIST
  bool not_found() const;             // NLE_OBJ_NOTFOUND (ENOENT, ESRCH)

 private:
  int code_;
};

struct VxlanAttrs {
  uint32_t vni = 0;
  Ip4 local;             // source address of the encapsulated packets
  int underlay = 0;      // ifindex of the device the tunnel runs over (0 = none)
  uint16_t port = 0;     // UDP destination port
  bool learning = true;  // kernel learns remote MACs from received packets
  bool gbp = false;      // group-based policy extension
  auto operator<=>(const VxlanAttrs&) const = default;
};

struct LinkInfo {
  int index = 0;
  std::string name;
  std::string type;  // rtnl "kind": "vxlan", "veth", "bridge", "tun"; empty for plain devices
  std::optional<MacAddress> mac;
  int mtu = 0;
  bool up = false;                  // IFF_UP
  std::optional<VxlanAttrs> vxlan;  // set when type == "vxlan"
};

struct VxlanSpec {
  std::string name;
  VxlanAttrs attrs;
};

struct AddressEntry {
  Ip4Net address;  // the address with its prefix, e.g. 10.1.5.0/32
  int scope = 0;   // RT_SCOPE_UNIVERSE (0), RT_SCOPE_LINK (253), RT_SCOPE_HOST (254)
};

// An IPv4 unicast route in the main table. ifindex 0 = let the kernel pick the device.
struct Route {
  Ip4Net dst;
  std::optional<Ip4> gateway;
  int ifindex = 0;
  bool onlink = false;  // RTNH_F_ONLINK: the gateway is on the device, no subnet needed
  bool operator==(const Route&) const = default;
};

struct Neighbour {
  int ifindex = 0;
  Ip4 ip;
  std::optional<MacAddress> mac;  // absent for unresolved entries
  int state = 0;                  // NUD_*
};

// A vxlan forwarding entry: frames for `mac` are tunnelled to `dst`.
struct FdbEntry {
  int ifindex = 0;
  MacAddress mac;
  std::optional<Ip4> dst;  // absent for the device's own unicast/multicast addresses
  int state = 0;
  unsigned flags = 0;  // NTF_*
};

class Netlink {
 public:
  Netlink();  // throws NetlinkError when the socket cannot be opened
  ~Netlink();
  Netlink(const Netlink&) = delete;
  Netlink& operator=(const Netlink&) = delete;

  // Links. find_* return nullopt when there is no such link; link() throws.
  std::optional<LinkInfo> find_link(const std::string& name);
  std::optional<LinkInfo> find_link(int index);
  LinkInfo link(const std::string& name);
  LinkInfo link(int index);
  std::vector<LinkInfo> links();
  LinkInfo create_vxlan(const VxlanSpec& spec);  // fails if the name exists
  void delete_link(int index);
  void set_link_up(int index);
  void set_link_mtu(int index, int mtu);

  // IPv4 addresses. replace_address keeps an existing identical address (NLM_F_REPLACE).
  void replace_address(int index, const Ip4Net& address);
  void delete_address(int index, const Ip4Net& address);
  std::vector<AddressEntry> addresses(int index);

  // Routes (main table, IPv4 unicast). add_route fails with exists() if present.
  std::vector<Route> routes();
  void add_route(const Route& route);
  void replace_route(const Route& route);
  void delete_route(const Route& route);
  // The kernel's answer to "how would a packet to dst leave?" (RTM_GETROUTE).
  Route lookup_route(Ip4 dst);
  // ifindex of the first default route (dst 0.0.0.0/0) in the main table.
  std::optional<int> default_route_interface();

  // ARP entries (AF_INET), added/replaced as NUD_PERMANENT.
  void replace_neighbour(int ifindex, Ip4 ip, const MacAddress& mac);
  void delete_neighbour(int ifindex, Ip4 ip);
  std::vector<Neighbour> neighbours(int ifindex);

  // vxlan FDB (AF_BRIDGE, NTF_SELF, NUD_PERMANENT): `mac` is reached through `dst`.
  void add_fdb(int ifindex, const MacAddress& mac, Ip4 dst);
  void delete_fdb(int ifindex, const MacAddress& mac, Ip4 dst);
  std::vector<FdbEntry> fdb(int ifindex);

  // The libnl socket, for test helpers that need operations not offered here.
  nl_sock* native() { return sock_.get(); }

 private:
  void send_request(nl_msg* msg, const std::string& what);  // and wait for the ACK
  void dump_neighbours(int family, const std::function<void(nlmsghdr*)>& each,
                       const std::string& what);

  struct SockDeleter {
    void operator()(nl_sock* sock) const;
  };
  std::unique_ptr<nl_sock, SockDeleter> sock_;
};

std::string describe(const Route& route);  // "10.1.2.0/24 via 10.1.2.0 dev 7 onlink"

}  // namespace corestack::flannel
