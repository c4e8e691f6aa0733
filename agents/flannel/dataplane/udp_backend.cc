#include "agents/flannel/dataplane/udp_backend.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "agents/flannel/dataplane/netlink.h"

namespace corestack::flannel {
namespace {

constexpr size_t kIpHeaderMin = 20;
constexpr uint8_t kProtocolIcmp = 1;

std::runtime_error system_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

// An owned file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

uint16_t load16(std::span<const uint8_t> bytes, size_t at) {
  return static_cast<uint16_t>((bytes[at] << 8) | bytes[at + 1]);
}

void store16(std::span<uint8_t> bytes, size_t at, uint16_t value) {
  bytes[at] = static_cast<uint8_t>(value >> 8);
  bytes[at + 1] = static_cast<uint8_t>(value & 0xff);
}

uint32_t load32(std::span<const uint8_t> bytes, size_t at) {
  return (uint32_t{load16(bytes, at)} << 16) | load16(bytes, at + 2);
}

void store32(std::span<uint8_t> bytes, size_t at, uint32_t value) {
  store16(bytes, at, static_cast<uint16_t>(value >> 16));
  store16(bytes, at + 2, static_cast<uint16_t>(value & 0xffff));
}

// Internet checksum (RFC 1071) of `bytes`.
uint16_t internet_checksum(std::span<const uint8_t> bytes) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < bytes.size(); i += 2)
    sum += load16(bytes, i);
  if (bytes.size() % 2 == 1) sum += uint32_t{bytes.back()} << 8;
  while (sum > 0xffff)
    sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

size_t header_length(std::span<const uint8_t> packet) {
  if (packet.size() < kIpHeaderMin || (packet[0] >> 4) != 4) return 0;
  const size_t length = size_t{packet[0] & 0x0fu} * 4;
  return length >= kIpHeaderMin && length <= packet.size() ? length : 0;
}

Fd open_tun(std::string& name) {
  Fd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
  if (fd.get() < 0) throw system_error("open /dev/net/tun");
  ifreq request{};
  request.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::strncpy(request.ifr_name, "flannel%d", IFNAMSIZ - 1);
  if (::ioctl(fd.get(), TUNSETIFF, &request) < 0) throw system_error("create TUN flannel%d");
  name = request.ifr_name;
  return fd;
}

Fd bind_udp(Ip4 address, uint16_t port) {
  Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) throw system_error("udp socket");
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(address.value);
  local.sin_port = htons(port);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) < 0) {
    throw system_error("bind udp " + address.to_string() + ":" + std::to_string(port));
  }
  return fd;
}

}  // namespace

// ---- packet helpers -----------------------------------------------------------------------

uint16_t ipv4_checksum(std::span<const uint8_t> header) {
  return internet_checksum(header);
}

std::optional<Ip4> ipv4_destination(std::span<const uint8_t> packet) {
  if (header_length(packet) == 0) return std::nullopt;
  return Ip4{load32(packet, 16)};
}

bool decrement_ttl(std::span<uint8_t> packet) {
  if (header_length(packet) == 0 || packet[8] <= 1) return false;
  // RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), m = the 16-bit word holding TTL and protocol.
  const uint16_t old_word = load16(packet, 8);
  packet[8] = static_cast<uint8_t>(packet[8] - 1);
  const uint16_t new_word = load16(packet, 8);
  uint32_t sum = uint32_t{static_cast<uint16_t>(~load16(packet, 10))} +
                 static_cast<uint16_t>(~old_word) + new_word;
  while (sum > 0xffff)
    sum = (sum & 0xffff) + (sum >> 16);
  store16(packet, 10, static_cast<uint16_t>(~sum & 0xffff));
  return true;
}

std::vector<uint8_t> icmp_net_unreachable(std::span<const uint8_t> packet, Ip4 source) {
  const size_t ihl = header_length(packet);
  if (ihl == 0 || packet[9] == kProtocolIcmp) return {};
  if ((load16(packet, 6) & 0x1fff) != 0) return {};        // not the first fragment
  const size_t quoted = std::min(packet.size(), ihl + 8);  // RFC 792: header + 64 bits
  std::vector<uint8_t> reply(kIpHeaderMin + 8 + quoted, 0);
  std::span<uint8_t> bytes(reply);
  bytes[0] = 0x45;
  store16(bytes, 2, static_cast<uint16_t>(reply.size()));
  bytes[8] = 64;  // TTL
  bytes[9] = kProtocolIcmp;
  store32(bytes, 12, source.value);
  store32(bytes, 16, load32(packet, 12));  // back to the sender
  store16(bytes, 10, internet_checksum(bytes.first(kIpHeaderMin)));
  bytes[kIpHeaderMin] = 3;      // destination unreachable
  bytes[kIpHeaderMin + 1] = 0;  // net unreachable
  std::memcpy(reply.data() + kIpHeaderMin + 8, packet.data(), quoted);
  store16(bytes, kIpHeaderMin + 2, internet_checksum(bytes.subspan(kIpHeaderMin)));
  return reply;
}

// ---- the packet thread --------------------------------------------------------------------

struct UdpBackend::Datapath {
  struct Entry {
    Ip4Net subnet;
    sockaddr_in next_hop{};
  };

  Fd tun;
  Fd udp;
  Fd stop{::eventfd(0, EFD_CLOEXEC)};
  mutable std::mutex mutex;
  std::vector<Entry> table;  // leases never overlap: the first match is the only one
  std::array<std::atomic<uint64_t>, 6> counters{};
  std::thread thread;

  enum Counter { tun_to_udp, udp_to_tun, no_route, ttl_expired, malformed, send_errors };
  void count(Counter counter) { counters[counter].fetch_add(1, std::memory_order_relaxed); }

  std::optional<sockaddr_in> next_hop(Ip4 destination);
  void set_route(const Ip4Net& subnet, Ip4 public_ip, uint16_t port);
  void delete_route(const Ip4Net& subnet);
  void from_tun(std::span<uint8_t> packet);
  void from_udp(std::span<uint8_t> packet);
  void run();
};

std::optional<sockaddr_in> UdpBackend::Datapath::next_hop(Ip4 destination) {
  std::lock_guard lock(mutex);
  for (auto it = table.begin(); it != table.end(); ++it) {
    if (!it->subnet.contains(destination)) continue;
    std::iter_swap(table.begin(), it);  // as flannel's proxy: the busiest subnet moves first
    return table.front().next_hop;
  }
  return std::nullopt;
}

void UdpBackend::Datapath::set_route(const Ip4Net& subnet, Ip4 public_ip, uint16_t port) {
  sockaddr_in next{};
  next.sin_family = AF_INET;
  next.sin_addr.s_addr = htonl(public_ip.value);
  next.sin_port = htons(port);
  std::lock_guard lock(mutex);
  for (auto& entry : table) {
    if (entry.subnet == subnet) {
      entry.next_hop = next;
      return;
    }
  }
  table.push_back({subnet, next});
}

void UdpBackend::Datapath::delete_route(const Ip4Net& subnet) {
  std::lock_guard lock(mutex);
  std::erase_if(table, [&](const Entry& entry) { return entry.subnet == subnet; });
}

void UdpBackend::Datapath::from_tun(std::span<uint8_t> packet) {
  auto destination = ipv4_destination(packet);
  if (!destination) return count(malformed);
  auto next = next_hop(*destination);
  if (!next) {
    count(no_route);
    // From the unreachable address itself: flannel's proxy.c used the TUN's address, which
    // is local, so the kernel dropped the reply as a martian and the sender never saw it.
    auto reply = icmp_net_unreachable(packet, *destination);
    if (!reply.empty() && ::write(tun.get(), reply.data(), reply.size()) < 0) count(send_errors);
    return;
  }
  if (!decrement_ttl(packet)) return count(ttl_expired);
  const auto sent = ::sendto(udp.get(), packet.data(), packet.size(), MSG_DONTWAIT,
                             reinterpret_cast<const sockaddr*>(&*next), sizeof *next);
  count(sent < 0 ? send_errors : tun_to_udp);
}

void UdpBackend::Datapath::from_udp(std::span<uint8_t> packet) {
  if (!ipv4_destination(packet)) return count(malformed);
  if (!decrement_ttl(packet)) return count(ttl_expired);
  count(::write(tun.get(), packet.data(), packet.size()) < 0 ? send_errors : udp_to_tun);
}

void UdpBackend::Datapath::run() {
  std::vector<uint8_t> buffer(65536);
  std::array<pollfd, 3> fds{pollfd{stop.get(), POLLIN, 0}, pollfd{tun.get(), POLLIN, 0},
                            pollfd{udp.get(), POLLIN, 0}};
  while (true) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("udp: poll: {}; the packet loop stops", std::strerror(errno));
      return;
    }
    if (fds[0].revents != 0) return;
    if (fds[1].revents & POLLIN) {
      const auto n = ::read(tun.get(), buffer.data(), buffer.size());
      if (n > 0) from_tun(std::span(buffer.data(), static_cast<size_t>(n)));
    }
    if (fds[2].revents & POLLIN) {
      const auto n = ::recv(udp.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (n > 0) from_udp(std::span(buffer.data(), static_cast<size_t>(n)));
    }
  }
}

// ---- the backend --------------------------------------------------------------------------

UdpBackend::UdpBackend(uint16_t port) : port_(port != 0 ? port : kDefaultPort) {}

UdpBackend::~UdpBackend() {
  if (!datapath_ || !datapath_->thread.joinable()) return;
  const uint64_t one = 1;
  if (::write(datapath_->stop.get(), &one, sizeof one) < 0) {
    spdlog::error("udp: cannot stop the packet thread: {}", std::strerror(errno));
  }
  datapath_->thread.join();
}

LeaseAttrs UdpBackend::prepare(const ExternalInterface& external) {
  external_ = external;
  mtu_ = external.mtu - kOverhead;
  return {external.public_ip, "", ""};
}

void UdpBackend::start(const Lease& own, const Ip4Net& network) {
  if (datapath_) throw std::logic_error("UdpBackend::start called twice");
  auto datapath = std::make_unique<Datapath>();
  if (datapath->stop.get() < 0) throw system_error("eventfd");
  std::string name;
  datapath->tun = open_tun(name);
  Netlink netlink;
  const int index = netlink.link(name).index;
  netlink.replace_address(index, {own.subnet.first(), network.prefix});
  netlink.set_link_mtu(index, mtu_);
  netlink.set_link_up(index);
  try {
    netlink.add_route({network.network(), std::nullopt, index, false});
  } catch (const NetlinkError& error) {
    if (!error.exists()) throw;  // the address's own route, or docker's, is already there
  }
  datapath->udp = bind_udp(external_.address, port_);
  Datapath* raw = datapath.get();
  datapath->thread = std::thread([raw] { raw->run(); });
  datapath_ = std::move(datapath);
  own_subnet_ = own.subnet;
  device_name_ = name;
  spdlog::info("{} up with {}/{}, MTU {}; UDP {}:{}", name, own.subnet.first().to_string(),
               network.prefix, mtu_, external_.address.to_string(), port_);
}

void UdpBackend::handle(const std::vector<LeaseEvent>& events) {
  if (!datapath_) {
    spdlog::error("udp: lease events before start(); ignored");
    return;
  }
  for (const auto& event : events) {
    const Lease& lease = event.lease;
    if (own_subnet_ && lease.subnet == *own_subnet_) continue;
    if (event.kind == LeaseEvent::added) {
      spdlog::info("Subnet added: {} via {}:{}", lease.subnet.to_string(),
                   lease.attrs.public_ip.to_string(), port_);
      datapath_->set_route(lease.subnet, lease.attrs.public_ip, port_);
    } else {
      spdlog::info("Subnet removed: {}", lease.subnet.to_string());
      datapath_->delete_route(lease.subnet);
    }
  }
}

UdpStats UdpBackend::stats() const {
  UdpStats stats;
  if (!datapath_) return stats;
  auto get = [&](Datapath::Counter counter) {
    return datapath_->counters[counter].load(std::memory_order_relaxed);
  };
  stats.tun_to_udp = get(Datapath::tun_to_udp);
  stats.udp_to_tun = get(Datapath::udp_to_tun);
  stats.no_route = get(Datapath::no_route);
  stats.ttl_expired = get(Datapath::ttl_expired);
  stats.malformed = get(Datapath::malformed);
  stats.send_errors = get(Datapath::send_errors);
  return stats;
}

}  // namespace corestack::flannel
