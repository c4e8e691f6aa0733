#include "agents/flannel/dataplane/testing/netns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>

namespace corestack::flannel::testing {
namespace {

std::runtime_error system_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

int open_current_netns() {
  const int fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw system_error("open /proc/thread-self/ns/net");
  return fd;
}

void check_nl(int result, const std::string& what) {
  if (result < 0) throw std::runtime_error(what + ": " + nl_geterror(result));
}

void add_link(Netlink& netlink, rtnl_link* link, const std::string& what) {
  check_nl(rtnl_link_add(netlink.native(), link, NLM_F_CREATE | NLM_F_EXCL), what);
}

std::string try_reason(const std::function<void()>& probe) {
  try {
    probe();
    return "";
  } catch (const std::exception& error) {
    return error.what();
  }
}

uint16_t icmp_checksum(const uint8_t* data, size_t size) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < size; i += 2)
    sum += static_cast<uint32_t>((data[i] << 8) | data[i + 1]);
  if (size % 2 == 1) sum += static_cast<uint32_t>(data[size - 1] << 8);
  while (sum > 0xffff)
    sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

// An echo request (type 8) with `id` and `sequence`.
std::array<uint8_t, 16> echo_request(uint16_t id, uint16_t sequence) {
  std::array<uint8_t, 16> packet{8,
                                 0,
                                 0,
                                 0,
                                 static_cast<uint8_t>(id >> 8),
                                 static_cast<uint8_t>(id & 0xff),
                                 static_cast<uint8_t>(sequence >> 8),
                                 static_cast<uint8_t>(sequence & 0xff)};
  const uint16_t sum = icmp_checksum(packet.data(), packet.size());
  packet[2] = static_cast<uint8_t>(sum >> 8);
  packet[3] = static_cast<uint8_t>(sum & 0xff);
  return packet;
}

// Whether a raw-socket read (IP header included) is an echo reply from `from` for `id`.
bool is_reply(const uint8_t* data, size_t size, Ip4 from, uint16_t id) {
  if (size < 20) return false;
  const size_t ihl = size_t{data[0] & 0x0fu} * 4;
  if (size < ihl + 8 || data[9] != IPPROTO_ICMP) return false;
  const uint32_t source = (uint32_t{data[12]} << 24) | (uint32_t{data[13]} << 16) |
                          (uint32_t{data[14]} << 8) | data[15];
  const uint8_t* icmp = data + ihl;
  return source == from.value && icmp[0] == 0 && ((icmp[4] << 8) | icmp[5]) == id;
}

}  // namespace

std::string netns_unavailable() {
  if (::geteuid() != 0) return "needs root (CAP_NET_ADMIN) for network namespaces";
  return try_reason([] { Netns probe; });
}

std::string vxlan_unavailable() {
  if (auto why = netns_unavailable(); !why.empty()) return why;
  const std::string why = try_reason([] {
    Netns probe;
    ScopedNetns in(probe);
    Netlink netlink;
    netlink.create_vxlan({"vxprobe", {42, Ip4{}, 0, 8472, false, false}});
  });
  return why.empty() ? "" : "vxlan unavailable: " + why;
}

std::string tun_unavailable() {
  if (auto why = netns_unavailable(); !why.empty()) return why;
  const int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) return "TUN unavailable: /dev/net/tun: " + std::string(std::strerror(errno));
  ::close(fd);
  return "";
}

std::string iptables_unavailable() {
  if (auto why = netns_unavailable(); !why.empty()) return why;
  const std::string why = try_reason([] {
    Netns probe;
    ScopedNetns in(probe);
    if (std::system("iptables -w -t nat -S POSTROUTING >/dev/null 2>&1") != 0) {
      throw std::runtime_error("iptables -t nat does not work here");
    }
  });
  return why.empty() ? "" : "iptables unavailable: " + why;
}

Netns::Netns() {
  const int original = open_current_netns();
  if (::unshare(CLONE_NEWNET) != 0) {
    const auto error = system_error("unshare(CLONE_NEWNET)");
    ::close(original);
    throw error;
  }
  fd_ = open_current_netns();
  const int back = ::setns(original, CLONE_NEWNET);
  ::close(original);
  if (back != 0) throw system_error("setns back to the original namespace");
  ScopedNetns in(*this);
  Netlink netlink;
  netlink.set_link_up(netlink.link("lo").index);
}

Netns::~Netns() {
  if (fd_ >= 0) ::close(fd_);
}

ScopedNetns::ScopedNetns(const Netns& ns) : previous_(open_current_netns()) {
  if (::setns(ns.fd(), CLONE_NEWNET) != 0) {
    const auto error = system_error("setns into the test namespace");
    ::close(previous_);
    throw error;
  }
}

ScopedNetns::~ScopedNetns() {
  if (::setns(previous_, CLONE_NEWNET) != 0) std::abort();  // a thread in the wrong namespace
  ::close(previous_);
}

void add_veth(Netlink& netlink, const std::string& name, const std::string& peer, int peer_ns_fd) {
  std::unique_ptr<rtnl_link, void (*)(rtnl_link*)> link(rtnl_link_veth_alloc(), rtnl_link_put);
  if (!link) throw std::bad_alloc();
  rtnl_link_set_name(link.get(), name.c_str());
  rtnl_link* other = rtnl_link_veth_get_peer(link.get());
  rtnl_link_set_name(other, peer.c_str());
  if (peer_ns_fd >= 0) rtnl_link_set_ns_fd(other, peer_ns_fd);
  rtnl_link_put(other);
  add_link(netlink, link.get(), "add veth " + name + " peer " + peer);
}

void add_bridge(Netlink& netlink, const std::string& name) {
  std::unique_ptr<rtnl_link, void (*)(rtnl_link*)> link(rtnl_link_alloc(), rtnl_link_put);
  if (!link) throw std::bad_alloc();
  rtnl_link_set_name(link.get(), name.c_str());
  check_nl(rtnl_link_set_type(link.get(), "bridge"), "bridge type");
  add_link(netlink, link.get(), "add bridge " + name);
}

bool ping(Ip4 source, Ip4 destination, std::chrono::milliseconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
  if (fd < 0) throw system_error("raw ICMP socket");
  std::unique_ptr<int, void (*)(int*)> guard(new int(fd), [](int* p) {
    ::close(*p);
    delete p;
  });
  sockaddr_in local{AF_INET, 0, {htonl(source.value)}, {}};
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
    throw system_error("bind");
  sockaddr_in remote{AF_INET, 0, {htonl(destination.value)}, {}};
  const uint16_t id = static_cast<uint16_t>(::getpid() ^ 0x5a5a);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (uint16_t sequence = 1; std::chrono::steady_clock::now() < deadline; ++sequence) {
    const auto request = echo_request(id, sequence);
    ::sendto(fd, request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&remote),
             sizeof remote);
    pollfd waiting{fd, POLLIN, 0};
    while (::poll(&waiting, 1, 100) > 0) {
      uint8_t buffer[1500];
      const auto n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n > 0 && is_reply(buffer, static_cast<size_t>(n), destination, id)) return true;
    }
  }
  return false;
}

TwoHosts::TwoHosts() {
  {
    ScopedNetns in(a);
    Netlink netlink;
    add_veth(netlink, "eth0", "eth0", b.fd());
  }
  const Ip4 addresses[] = {address_a(), address_b()};
  const Netns* hosts[] = {&a, &b};
  for (int i = 0; i < 2; ++i) {
    ScopedNetns in(*hosts[i]);
    Netlink netlink;
    const int eth0 = netlink.link("eth0").index;
    netlink.replace_address(eth0, {addresses[i], 24});
    netlink.set_link_up(eth0);
    netlink.add_route({{Ip4{}, 0}, Ip4{0xc0a832fe}, eth0, false});
  }
}

std::string shell(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) throw system_error("popen " + command);
  std::string output;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe.get())) > 0)
    output.append(buffer, n);
  return output;
}

}  // namespace corestack::flannel::testing
