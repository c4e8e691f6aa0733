// The udp backend (docs/flannel.md "Backends"; flannel's default): a TUN device flannel0
// holding the lease's base IP with the overlay's prefix, and a userspace proxy that sends
// each IPv4 packet the kernel routes into flannel0 as one UDP datagram to the owner of the
// destination subnet (<PublicIP>:<Port>, the same Port on every host), and writes each
// datagram it receives back into flannel0. The payload is the bare inner packet. TTL is
// decremented in both directions (checksum patched per RFC 1624); a packet whose TTL
// reaches 0 is dropped, one without a route gets ICMP "net unreachable" back (sent from
// the unreachable address: a local source would be dropped by the kernel as a martian).
//
// Threads: flanneld's thread calls the Backend methods; start() launches one packet thread
// (poll over the TUN, the UDP socket and a stop eventfd) that the destructor stops and
// joins. The subnet table between them is behind a mutex. start() must run in the host's
// network namespace (the TUN and the socket are created there).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "agents/flannel/backend.h"

namespace corestack::flannel {

struct UdpStats {
  uint64_t tun_to_udp = 0;   // packets sent to another host
  uint64_t udp_to_tun = 0;   // packets received from another host
  uint64_t no_route = 0;     // from the TUN, no lease covers the destination
  uint64_t ttl_expired = 0;  // TTL would have reached 0
  uint64_t malformed = 0;    // not an IPv4 packet
  uint64_t send_errors = 0;  // sendto/write failed (e.g. buffer full)
};

class UdpBackend final : public Backend {
 public:
  static constexpr uint16_t kDefaultPort = 8285;
  static constexpr int kOverhead = 28;  // outer IPv4 + UDP headers

  explicit UdpBackend(uint16_t port = kDefaultPort);
  ~UdpBackend() override;  // stops and joins the packet thread; flannel0 goes with its fd

  LeaseAttrs prepare(const ExternalInterface& external) override;  // PublicIP only
  int mtu() const override { return mtu_; }
  // Creates flannel0 (address, MTU, up, route to the overlay), binds <iface IP>:<Port>,
  // starts the packet thread. Throws std::runtime_error on failure.
  void start(const Lease& own, const Ip4Net& network) override;
  // Any backend type: each added lease's subnet is routed to <PublicIP>:<Port>.
  void handle(const std::vector<LeaseEvent>& events) override;

  const std::string& device_name() const { return device_name_; }  // "flannel0" once started
  UdpStats stats() const;

 private:
  struct Datapath;

  uint16_t port_;
  ExternalInterface external_;
  int mtu_ = 0;
  std::optional<Ip4Net> own_subnet_;
  std::string device_name_;
  std::unique_ptr<Datapath> datapath_;
};

// ---- packet helpers (pure; exposed for tests) ----------------------------------------------

// The destination of an IPv4 packet; nullopt unless it is IPv4 with a complete header.
std::optional<Ip4> ipv4_destination(std::span<const uint8_t> packet);
// Decrements the TTL and patches the header checksum incrementally (RFC 1624, eqn. 3).
// false when the packet must be dropped: TTL would reach 0, or the header is incomplete.
bool decrement_ttl(std::span<uint8_t> packet);
// ICMP destination unreachable / net unreachable from `source` for `packet`, or empty when
// none is due (the packet is ICMP itself, a non-first fragment, or malformed).
std::vector<uint8_t> icmp_net_unreachable(std::span<const uint8_t> packet, Ip4 source);
// The IPv4 header checksum of header bytes [0, ihl*4) with the checksum field as stored.
uint16_t ipv4_checksum(std::span<const uint8_t> header);

}  // namespace corestack::flannel
