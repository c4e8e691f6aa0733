// Backend: a data plane that makes the other hosts' subnets reachable (docs/flannel.md
// "Backends"). flanneld asks it for the lease attributes to publish and the MTU before the
// lease exists, tells it its own lease, then feeds it every other host's lease as it comes
// and goes. Implementations: vxlan, host-gw, udp (agents/flannel/dataplane/).
//
// Threading: every call comes from flanneld's main thread, in the host's network namespace;
// a backend that needs a thread of its own (udp's packet loop) starts it in start() and
// stops it in its destructor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agents/flannel/ip4.h"
#include "agents/flannel/lease.h"

namespace corestack::flannel {

// The host's external interface, as chosen from -iface or the default route.
struct ExternalInterface {
  std::string name;
  int index = 0;
  Ip4 address;    // the interface's own IPv4
  Ip4 public_ip;  // -public-ip, else the interface address
  int mtu = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Prepares the device (vxlan: creates or reuses flannel.<VNI>) and returns the attributes
  // for this host's lease. Throws std::runtime_error with a clear message on failure.
  virtual LeaseAttrs prepare(const ExternalInterface& external) = 0;
  // FLANNEL_MTU for containers.
  virtual int mtu() const = 0;
  // Our lease is `own` inside `network`: address the device, start threads.
  virtual void start(const Lease& own, const Ip4Net& network) = 0;
  // Other hosts' leases (our own never comes here). Errors are logged, not thrown: one bad
  // lease must not stop the others.
  virtual void handle(const std::vector<LeaseEvent>& events) = 0;
  // Periodic repair (host-gw re-adds vanished routes); called about every 10 s.
  virtual void repair() {}
};

}  // namespace corestack::flannel
