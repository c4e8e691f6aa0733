// The host-gw backend (docs/flannel.md "Backends"): no device, no encapsulation; every other
// host's subnet is routed through that host's public IP, so all hosts must share one L2
// segment. MTU = the external interface's. repair() (flanneld calls it about every 10 s)
// re-adds routes of ours that someone deleted. Calls come from one thread; the netlink
// socket belongs to the namespace of the thread that constructs the backend.
#pragma once

#include <map>

#include "agents/flannel/backend.h"
#include "agents/flannel/dataplane/netlink.h"

namespace corestack::flannel {

class HostGwBackend final : public Backend {
 public:
  HostGwBackend() = default;

  // Throws when -public-ip differs from the interface address (a NAT: the other hosts could
  // not route to us through it).
  LeaseAttrs prepare(const ExternalInterface& external) override;
  int mtu() const override { return mtu_; }
  void start(const Lease& own, const Ip4Net& network) override;
  // Added: route `<subnet> via <PublicIP>`; an existing route to the subnet through another
  // gateway is replaced, one through the same gateway is left alone. Removed: deleted.
  void handle(const std::vector<LeaseEvent>& events) override;
  void repair() override;

 private:
  void add_route(const Lease& lease);
  void remove_route(const Lease& lease);

  Netlink netlink_;
  int mtu_ = 0;
  Ip4Net own_subnet_;
  std::map<Ip4Net, Ip4> routes_;  // subnet -> gateway (the owner's PublicIP)
};

}  // namespace corestack::flannel
