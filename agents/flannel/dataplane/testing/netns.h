// Test helpers for the data plane's kernel tests: throwaway network namespaces, veth links
// between them, a bridge, and ping over a raw ICMP socket.
//
// A Netns is anonymous (unshare(CLONE_NEWNET) on the calling thread, which then returns to
// its namespace): it lives as long as its fd and the sockets opened inside it, so there is
// nothing to clean up after a failed test, even after a crash. Code runs "inside" through
// ScopedNetns, which moves only the calling thread (setns) and moves it back; sockets,
// TUN devices and child processes (iptables) stay bound to the namespace they were created
// in. Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN).
#pragma once

#include <chrono>
#include <string>

#include "agents/flannel/dataplane/netlink.h"
#include "agents/flannel/ip4.h"

namespace corestack::flannel::testing {

// Why the kernel tests cannot run here ("" when they can): not root, no network
// namespaces, and for the specific checks no vxlan module, no /dev/net/tun, no iptables.
std::string netns_unavailable();
std::string vxlan_unavailable();
std::string tun_unavailable();
std::string iptables_unavailable();

class Netns {
 public:
  Netns();  // a new namespace with lo up; throws std::runtime_error
  ~Netns();
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// The calling thread runs in `ns` until destruction.
class ScopedNetns {
 public:
  explicit ScopedNetns(const Netns& ns);
  ~ScopedNetns();
  ScopedNetns(const ScopedNetns&) = delete;
  ScopedNetns& operator=(const ScopedNetns&) = delete;

 private:
  int previous_ = -1;
};

// In the namespace `netlink` belongs to: a veth pair `name` <-> `peer`, the peer moved to
// the namespace `peer_ns_fd` (-1 = stay here).
void add_veth(Netlink& netlink, const std::string& name, const std::string& peer,
              int peer_ns_fd = -1);
void add_bridge(Netlink& netlink, const std::string& name);

// Echo request from `source` to `destination` in the calling thread's namespace, resent
// every 100 ms; true when a reply arrives within `timeout`.
bool ping(Ip4 source, Ip4 destination,
          std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

// Two "hosts" joined by a veth: in each, eth0 = 192.168.50.<1|2>/24, up, with a default
// route via 192.168.50.254.
struct TwoHosts {
  TwoHosts();
  Netns a;
  Netns b;
  static Ip4 address_a() { return Ip4{0xc0a83201}; }  // 192.168.50.1
  static Ip4 address_b() { return Ip4{0xc0a83202}; }  // 192.168.50.2
};

// Runs `command` through the shell in the calling thread's namespace; its stdout.
std::string shell(const std::string& command);

}  // namespace corestack::flannel::testing

// Skips the current test (gtest) with the reason when `reason_call` returns non-empty.
#define FLANNEL_SKIP_UNLESS(reason_call)                                          \
  do {                                                                            \
    if (const std::string why = (reason_call); !why.empty()) GTEST_SKIP() << why; \
  } while (false)
