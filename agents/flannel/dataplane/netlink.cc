#include "agents/flannel/dataplane/netlink.h"

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include <cstring>
#include <functional>
#include <new>

namespace corestack::flannel {
namespace {

template <typename T, auto Free>
struct Deleter {
  void operator()(T* object) const { Free(object); }
};
using AddrPtr = std::unique_ptr<nl_addr, Deleter<nl_addr, nl_addr_put>>;
using LinkPtr = std::unique_ptr<rtnl_link, Deleter<rtnl_link, rtnl_link_put>>;
using RoutePtr = std::unique_ptr<rtnl_route, Deleter<rtnl_route, rtnl_route_put>>;
using AddressPtr = std::unique_ptr<rtnl_addr, Deleter<rtnl_addr, rtnl_addr_put>>;
using CachePtr = std::unique_ptr<nl_cache, Deleter<nl_cache, nl_cache_free>>;
using MsgPtr = std::unique_ptr<nl_msg, Deleter<nl_msg, nlmsg_free>>;
using CbPtr = std::unique_ptr<nl_cb, Deleter<nl_cb, nl_cb_put>>;

template <typename T>
T* not_null(T* object) {
  if (object == nullptr) throw std::bad_alloc();
  return object;
}

// libnl returns negative NLE_* codes; anything below zero is a failure of `what`.
int check(int result, const std::string& what) {
  if (result < 0) throw NetlinkError(what + ": " + nl_geterror(result), -result);
  return result;
}

AddrPtr make_addr(Ip4 ip, int prefix) {
  const uint32_t network_order = htonl(ip.value);
  AddrPtr addr(not_null(nl_addr_build(AF_INET, &network_order, sizeof network_order)));
  nl_addr_set_prefixlen(addr.get(), prefix);
  return addr;
}

std::optional<Ip4> to_ip4(nl_addr* addr) {
  if (addr == nullptr || nl_addr_get_family(addr) != AF_INET) return std::nullopt;
  if (nl_addr_get_len(addr) == 0) return Ip4{};  // e.g. the dst of a default route
  if (nl_addr_get_len(addr) != 4) return std::nullopt;
  uint32_t network_order = 0;
  std::memcpy(&network_order, nl_addr_get_binary_addr(addr), sizeof network_order);
  return Ip4{ntohl(network_order)};
}

std::optional<MacAddress> to_mac(const void* data, size_t size) {
  if (data == nullptr || size != 6) return std::nullopt;
  MacAddress mac;
  std::memcpy(mac.bytes.data(), data, size);
  return mac;
}

std::optional<MacAddress> to_mac(nl_addr* addr) {
  if (addr == nullptr) return std::nullopt;
  return to_mac(nl_addr_get_binary_addr(addr), nl_addr_get_len(addr));
}

// By index only: a name lookup (if_indextoname) would ask the calling thread's namespace,
// which need not be the socket's.
std::string ifname(int index) {
  return "ifindex " + std::to_string(index);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

VxlanAttrs vxlan_attrs(rtnl_link* link) {
  VxlanAttrs attrs;
  rtnl_link_vxlan_get_id(link, &attrs.vni);
  nl_addr* local = nullptr;
  if (rtnl_link_vxlan_get_local(link, &local) == 0) {
    AddrPtr owned(local);  // libnl hands out a clone
    attrs.local = to_ip4(local).value_or(Ip4{});
  }
  uint32_t underlay = 0;
  if (rtnl_link_vxlan_get_link(link, &underlay) == 0) attrs.underlay = static_cast<int>(underlay);
  uint32_t port = 0;
  if (rtnl_link_vxlan_get_port(link, &port) == 0) attrs.port = static_cast<uint16_t>(port);
  attrs.learning = rtnl_link_vxlan_get_learning(link) > 0;
  uint32_t flags = 0;
  if (rtnl_link_vxlan_get_flags(link, &flags) == 0) {
    attrs.gbp = (flags & RTNL_LINK_VXLAN_F_GBP) != 0;
  }
  return attrs;
}

LinkInfo link_info(rtnl_link* link) {
  LinkInfo info;
  info.index = rtnl_link_get_ifindex(link);
  info.name = rtnl_link_get_name(link) ? rtnl_link_get_name(link) : "";
  info.type = rtnl_link_get_type(link) ? rtnl_link_get_type(link) : "";
  info.mac = to_mac(rtnl_link_get_addr(link));
  info.mtu = static_cast<int>(rtnl_link_get_mtu(link));
  info.up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
  if (rtnl_link_is_vxlan(link)) info.vxlan = vxlan_attrs(link);
  return info;
}

// Calls `each` on every object of a freshly dumped cache.
template <typename Object>
void for_each(nl_cache* cache, const std::function<void(Object*)>& each) {
  for (nl_object* object = nl_cache_get_first(cache); object != nullptr;
       object = nl_cache_get_next(object)) {
    each(reinterpret_cast<Object*>(object));
  }
}

RoutePtr make_route(const Route& spec, bool for_delete) {
  RoutePtr route(not_null(rtnl_route_alloc()));
  rtnl_route_set_family(route.get(), AF_INET);
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_type(route.get(), RTN_UNICAST);
  // A delete with protocol 0 matches the route whoever added it (fib_table_delete).
  rtnl_route_set_protocol(route.get(), for_delete ? RTPROT_UNSPEC : RTPROT_BOOT);
  check(rtnl_route_set_dst(route.get(), make_addr(spec.dst.ip, spec.dst.prefix).get()),
        "set route dst");
  rtnl_route_set_scope(route.get(), spec.gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
  rtnl_nexthop* nexthop = not_null(rtnl_route_nh_alloc());
  if (spec.gateway) rtnl_route_nh_set_gateway(nexthop, make_addr(*spec.gateway, 32).get());
  if (spec.ifindex != 0) rtnl_route_nh_set_ifindex(nexthop, spec.ifindex);
  if (spec.onlink && !for_delete) rtnl_route_nh_set_flags(nexthop, RTNH_F_ONLINK);
  rtnl_route_add_nexthop(route.get(), nexthop);  // the route owns it now
  return route;
}

std::optional<Route> to_route(rtnl_route* route) {
  auto dst = to_ip4(rtnl_route_get_dst(route));
  if (!dst) return std::nullopt;
  Route result;
  result.dst = {*dst, static_cast<int>(nl_addr_get_prefixlen(rtnl_route_get_dst(route)))};
  if (rtnl_route_get_nnexthops(route) > 0) {
    rtnl_nexthop* nexthop = rtnl_route_nexthop_n(route, 0);
    result.gateway = to_ip4(rtnl_route_nh_get_gateway(nexthop));
    result.ifindex = rtnl_route_nh_get_ifindex(nexthop);
    result.onlink = (rtnl_route_nh_get_flags(nexthop) & RTNH_F_ONLINK) != 0;
  }
  return result;
}

// Valid-message callback of a dump: hands each message to the std::function in `arg`.
int on_dump_message(nl_msg* msg, void* arg) {
  (*static_cast<std::function<void(nlmsghdr*)>*>(arg))(nlmsg_hdr(msg));
  return NL_OK;
}

std::string neighbour_text(const char* verb, int ifindex, Ip4 ip) {
  return std::string(verb) + " neighbour " + ip.to_string() + " " + ifname(ifindex);
}

std::string fdb_text(const char* verb, int ifindex, const MacAddress& mac, Ip4 dst) {
  return std::string(verb) + " fdb " + mac.to_string() + " dst " + dst.to_string() + " " +
         ifname(ifindex) + " self permanent";
}

}  // namespace

// ---- MacAddress, errors -------------------------------------------------------------------

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  MacAddress mac;
  for (size_t i = 0; i < 6; ++i) {
    if (i > 0 && text[i * 3 - 1] != ':') return std::nullopt;
    const int high = hex_value(text[i * 3]);
    const int low = hex_value(text[i * 3 + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    mac.bytes[i] = static_cast<uint8_t>(high * 16 + low);
  }
  return mac;
}

std::string MacAddress::to_string() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0) text += ':';
    text += kDigits[bytes[i] >> 4];
    text += kDigits[bytes[i] & 0xf];
  }
  return text;
}

NetlinkError::NetlinkError(const std::string& what, int nl_code)
    : std::runtime_error(what), code_(nl_code) {}

bool NetlinkError::exists() const {
  return code_ == NLE_EXIST;
}
bool NetlinkError::not_found() const {
  return code_ == NLE_OBJ_NOTFOUND;
}

std::string describe(const Route& route) {
  std::string text = route.dst.to_string();
  if (route.gateway) text += " via " + route.gateway->to_string();
  if (route.ifindex != 0) text += " " + ifname(route.ifindex);
  if (route.onlink) text += " onlink";
  return text;
}

// ---- socket -------------------------------------------------------------------------------

void Netlink::SockDeleter::operator()(nl_sock* sock) const {
  nl_socket_free(sock);
}

Netlink::Netlink() : sock_(not_null(nl_socket_alloc())) {
  check(nl_connect(sock_.get(), NETLINK_ROUTE), "connect netlink socket (NETLINK_ROUTE)");
}

Netlink::~Netlink() = default;

// ---- links --------------------------------------------------------------------------------

std::optional<LinkInfo> Netlink::find_link(const std::string& name) {
  rtnl_link* raw = nullptr;
  const int result = rtnl_link_get_kernel(sock_.get(), 0, name.c_str(), &raw);
  if (result == -NLE_OBJ_NOTFOUND || result == -NLE_NODEV) return std::nullopt;
  check(result, "get link " + name);
  LinkPtr link(raw);
  return link_info(link.get());
}

std::optional<LinkInfo> Netlink::find_link(int index) {
  rtnl_link* raw = nullptr;
  const int result = rtnl_link_get_kernel(sock_.get(), index, nullptr, &raw);
  if (result == -NLE_OBJ_NOTFOUND || result == -NLE_NODEV) return std::nullopt;
  check(result, "get link " + std::to_string(index));
  LinkPtr link(raw);
  return link_info(link.get());
}

LinkInfo Netlink::link(const std::string& name) {
  auto info = find_link(name);
  if (!info) throw NetlinkError("get link " + name + ": no such device", NLE_OBJ_NOTFOUND);
  return *info;
}

LinkInfo Netlink::link(int index) {
  auto info = find_link(index);
  if (!info) {
    throw NetlinkError("get link " + std::to_string(index) + ": no such device", NLE_OBJ_NOTFOUND);
  }
  return *info;
}

std::vector<LinkInfo> Netlink::links() {
  nl_cache* raw = nullptr;
  check(rtnl_link_alloc_cache(sock_.get(), AF_UNSPEC, &raw), "list links");
  CachePtr cache(raw);
  std::vector<LinkInfo> result;
  for_each<rtnl_link>(cache.get(), [&](rtnl_link* link) { result.push_back(link_info(link)); });
  return result;
}

LinkInfo Netlink::create_vxlan(const VxlanSpec& spec) {
  LinkPtr link(not_null(rtnl_link_vxlan_alloc()));
  const auto& attrs = spec.attrs;
  const std::string what = "create vxlan " + spec.name + " id " + std::to_string(attrs.vni) +
                           " local " + attrs.local.to_string() + " " + ifname(attrs.underlay) +
                           " dstport " + std::to_string(attrs.port);
  rtnl_link_set_name(link.get(), spec.name.c_str());
  check(rtnl_link_vxlan_set_id(link.get(), attrs.vni), what);
  check(rtnl_link_vxlan_set_local(link.get(), make_addr(attrs.local, 32).get()), what);
  if (attrs.underlay != 0) {
    check(rtnl_link_vxlan_set_link(link.get(), static_cast<uint32_t>(attrs.underlay)), what);
  }
  check(rtnl_link_vxlan_set_port(link.get(), attrs.port), what);
  check(rtnl_link_vxlan_set_learning(link.get(), attrs.learning ? 1 : 0), what);
  if (attrs.gbp) check(rtnl_link_vxlan_set_flags(link.get(), RTNL_LINK_VXLAN_F_GBP, 1), what);
  check(rtnl_link_add(sock_.get(), link.get(), NLM_F_CREATE | NLM_F_EXCL), what);
  return this->link(spec.name);
}

void Netlink::delete_link(int index) {
  LinkPtr link(not_null(rtnl_link_alloc()));
  rtnl_link_set_ifindex(link.get(), index);
  check(rtnl_link_delete(sock_.get(), link.get()), "delete link " + ifname(index));
}

void Netlink::set_link_up(int index) {
  LinkPtr current(not_null(rtnl_link_alloc()));
  rtnl_link_set_ifindex(current.get(), index);
  LinkPtr change(not_null(rtnl_link_alloc()));
  rtnl_link_set_flags(change.get(), IFF_UP);
  check(rtnl_link_change(sock_.get(), current.get(), change.get(), 0),
        "set link up " + ifname(index));
}

void Netlink::set_link_mtu(int index, int mtu) {
  LinkPtr current(not_null(rtnl_link_alloc()));
  rtnl_link_set_ifindex(current.get(), index);
  LinkPtr change(not_null(rtnl_link_alloc()));
  rtnl_link_set_mtu(change.get(), static_cast<unsigned>(mtu));
  check(rtnl_link_change(sock_.get(), current.get(), change.get(), 0),
        "set mtu " + std::to_string(mtu) + " " + ifname(index));
}

// ---- addresses ----------------------------------------------------------------------------

namespace {

AddressPtr make_address(int index, const Ip4Net& address) {
  AddressPtr addr(not_null(rtnl_addr_alloc()));
  rtnl_addr_set_ifindex(addr.get(), index);
  rtnl_addr_set_family(addr.get(), AF_INET);
  check(rtnl_addr_set_local(addr.get(), make_addr(address.ip, address.prefix).get()),
        "set address");
  rtnl_addr_set_prefixlen(addr.get(), address.prefix);
  return addr;
}

}  // namespace

void Netlink::replace_address(int index, const Ip4Net& address) {
  check(rtnl_addr_add(sock_.get(), make_address(index, address).get(), NLM_F_REPLACE),
        "add address " + address.to_string() + " " + ifname(index));
}

void Netlink::delete_address(int index, const Ip4Net& address) {
  check(rtnl_addr_delete(sock_.get(), make_address(index, address).get(), 0),
        "delete address " + address.to_string() + " " + ifname(index));
}

std::vector<AddressEntry> Netlink::addresses(int index) {
  nl_cache* raw = nullptr;
  check(rtnl_addr_alloc_cache(sock_.get(), &raw), "list addresses");
  CachePtr cache(raw);
  std::vector<AddressEntry> result;
  for_each<rtnl_addr>(cache.get(), [&](rtnl_addr* addr) {
    if (rtnl_addr_get_ifindex(addr) != index || rtnl_addr_get_family(addr) != AF_INET) return;
    auto ip = to_ip4(rtnl_addr_get_local(addr));
    if (!ip) return;
    result.push_back({{*ip, rtnl_addr_get_prefixlen(addr)}, rtnl_addr_get_scope(addr)});
  });
  return result;
}

// ---- routes -------------------------------------------------------------------------------

std::vector<Route> Netlink::routes() {
  nl_cache* raw = nullptr;
  check(rtnl_route_alloc_cache(sock_.get(), AF_INET, 0, &raw), "list routes");
  CachePtr cache(raw);
  std::vector<Route> result;
  for_each<rtnl_route>(cache.get(), [&](rtnl_route* route) {
    if (rtnl_route_get_table(route) != RT_TABLE_MAIN) return;
    if (rtnl_route_get_type(route) != RTN_UNICAST) return;
    if (auto converted = to_route(route)) result.push_back(*converted);
  });
  return result;
}

void Netlink::add_route(const Route& route) {
  check(rtnl_route_add(sock_.get(), make_route(route, false).get(), NLM_F_EXCL),
        "add route " + describe(route));
}

void Netlink::replace_route(const Route& route) {
  check(rtnl_route_add(sock_.get(), make_route(route, false).get(), NLM_F_REPLACE),
        "replace route " + describe(route));
}

void Netlink::delete_route(const Route& route) {
  check(rtnl_route_delete(sock_.get(), make_route(route, true).get(), 0),
        "delete route " + describe(route));
}

Route Netlink::lookup_route(Ip4 dst) {
  rtnl_route* raw = nullptr;
  const std::string what = "get route to " + dst.to_string();
  check(rtnl_route_lookup(sock_.get(), make_addr(dst, 32).get(), &raw), what);
  RoutePtr route(raw);
  auto converted = to_route(route.get());
  if (!converted) throw NetlinkError(what + ": unexpected answer", NLE_PARSE_ERR);
  return *converted;
}

std::optional<int> Netlink::default_route_interface() {
  for (const auto& route : routes()) {
    if (route.dst.prefix == 0 && route.ifindex != 0) return route.ifindex;
  }
  return std::nullopt;
}

// ---- neighbours and FDB -------------------------------------------------------------------
// Built by hand rather than with rtnl_neigh: libnl 3.7 cannot put an IPv4 NDA_DST into an
// AF_BRIDGE request (rtnl_neigh_set_dst refuses the family mismatch), and the vxlan FDB
// needs it (the remote VTEP). Neighbours use the same few lines for symmetry.

namespace {

MsgPtr neighbour_message(int type, int flags, const ndmsg& header) {
  MsgPtr msg(not_null(nlmsg_alloc_simple(type, flags)));
  if (nlmsg_append(msg.get(), const_cast<ndmsg*>(&header), sizeof header, NLMSG_ALIGNTO) < 0) {
    throw std::bad_alloc();
  }
  return msg;
}

void put_ip(nl_msg* msg, int attribute, Ip4 ip) {
  const uint32_t network_order = htonl(ip.value);
  if (nla_put(msg, attribute, sizeof network_order, &network_order) < 0) throw std::bad_alloc();
}

void put_mac(nl_msg* msg, const MacAddress& mac) {
  if (nla_put(msg, NDA_LLADDR, static_cast<int>(mac.bytes.size()), mac.bytes.data()) < 0) {
    throw std::bad_alloc();
  }
}

ndmsg ndmsg_for(int family, int ifindex, uint16_t state, uint8_t flags) {
  ndmsg header{};
  header.ndm_family = static_cast<uint8_t>(family);
  header.ndm_ifindex = ifindex;
  header.ndm_state = state;
  header.ndm_flags = flags;
  return header;
}

struct ParsedNeighbour {
  ndmsg header{};
  std::optional<Ip4> dst;
  std::optional<MacAddress> mac;
};

std::optional<ParsedNeighbour> parse_neighbour(nlmsghdr* hdr) {
  if (hdr->nlmsg_type != RTM_NEWNEIGH) return std::nullopt;
  nlattr* attrs[NDA_MAX + 1] = {};
  if (nlmsg_parse(hdr, sizeof(ndmsg), attrs, NDA_MAX, nullptr) < 0) return std::nullopt;
  ParsedNeighbour parsed;
  std::memcpy(&parsed.header, nlmsg_data(hdr), sizeof parsed.header);
  if (attrs[NDA_DST] != nullptr && nla_len(attrs[NDA_DST]) == 4) {
    uint32_t network_order = 0;
    std::memcpy(&network_order, nla_data(attrs[NDA_DST]), sizeof network_order);
    parsed.dst = Ip4{ntohl(network_order)};
  }
  if (attrs[NDA_LLADDR] != nullptr) {
    parsed.mac =
        to_mac(nla_data(attrs[NDA_LLADDR]), static_cast<size_t>(nla_len(attrs[NDA_LLADDR])));
  }
  return parsed;
}

}  // namespace

void Netlink::send_request(nl_msg* msg, const std::string& what) {
  check(nl_send_auto(sock_.get(), msg), what);
  check(nl_wait_for_ack(sock_.get()), what);
}

void Netlink::dump_neighbours(int family, const std::function<void(nlmsghdr*)>& each,
                              const std::string& what) {
  MsgPtr msg = neighbour_message(RTM_GETNEIGH, NLM_F_DUMP, ndmsg_for(family, 0, 0, 0));
  check(nl_send_auto(sock_.get(), msg.get()), what);
  CbPtr callbacks(not_null(nl_cb_alloc(NL_CB_DEFAULT)));
  nl_cb_set(callbacks.get(), NL_CB_VALID, NL_CB_CUSTOM, on_dump_message,
            const_cast<std::function<void(nlmsghdr*)>*>(&each));
  check(nl_recvmsgs(sock_.get(), callbacks.get()), what);
}

void Netlink::replace_neighbour(int ifindex, Ip4 ip, const MacAddress& mac) {
  MsgPtr msg = neighbour_message(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE,
                                 ndmsg_for(AF_INET, ifindex, NUD_PERMANENT, 0));
  put_ip(msg.get(), NDA_DST, ip);
  put_mac(msg.get(), mac);
  send_request(msg.get(), neighbour_text("replace", ifindex, ip) + " lladdr " + mac.to_string());
}

void Netlink::delete_neighbour(int ifindex, Ip4 ip) {
  MsgPtr msg = neighbour_message(RTM_DELNEIGH, 0, ndmsg_for(AF_INET, ifindex, 0, 0));
  put_ip(msg.get(), NDA_DST, ip);
  send_request(msg.get(), neighbour_text("delete", ifindex, ip));
}

std::vector<Neighbour> Netlink::neighbours(int ifindex) {
  std::vector<Neighbour> result;
  dump_neighbours(
      AF_INET,
      [&](nlmsghdr* hdr) {
        auto parsed = parse_neighbour(hdr);
        if (!parsed || parsed->header.ndm_family != AF_INET) return;
        if (parsed->header.ndm_ifindex != ifindex || !parsed->dst) return;
        result.push_back({ifindex, *parsed->dst, parsed->mac, parsed->header.ndm_state});
      },
      "list neighbours " + ifname(ifindex));
  return result;
}

void Netlink::add_fdb(int ifindex, const MacAddress& mac, Ip4 dst) {
  // REPLACE: a MAC that moved to another host gets its new destination (vxlan_fdb_update).
  MsgPtr msg = neighbour_message(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE,
                                 ndmsg_for(AF_BRIDGE, ifindex, NUD_PERMANENT, NTF_SELF));
  put_mac(msg.get(), mac);
  put_ip(msg.get(), NDA_DST, dst);
  send_request(msg.get(), fdb_text("add", ifindex, mac, dst));
}

void Netlink::delete_fdb(int ifindex, const MacAddress& mac, Ip4 dst) {
  MsgPtr msg = neighbour_message(RTM_DELNEIGH, 0, ndmsg_for(AF_BRIDGE, ifindex, 0, NTF_SELF));
  put_mac(msg.get(), mac);
  put_ip(msg.get(), NDA_DST, dst);
  send_request(msg.get(), fdb_text("delete", ifindex, mac, dst));
}

std::vector<FdbEntry> Netlink::fdb(int ifindex) {
  std::vector<FdbEntry> result;
  dump_neighbours(
      AF_BRIDGE,
      [&](nlmsghdr* hdr) {
        auto parsed = parse_neighbour(hdr);
        if (!parsed || parsed->header.ndm_family != AF_BRIDGE) return;
        if (parsed->header.ndm_ifindex != ifindex || !parsed->mac) return;
        result.push_back({ifindex, *parsed->mac, parsed->dst, parsed->header.ndm_state,
                          parsed->header.ndm_flags});
      },
      "list fdb " + ifname(ifindex));
  return result;
}

}  // namespace corestack::flannel
