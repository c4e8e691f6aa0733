// A subnet lease as flannel stores it under <prefix>/subnets/<a.b.c.d-len> (docs/flannel.md
// "Leases"): the owner's public IP, its backend type and backend data (vxlan: the VTEP MAC).
// These are the values the control plane (subnet manager, lease watcher) hands to the data
// plane (backends); lease_codec.h turns them into etcd's JSON and back.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "agents/flannel/ip4.h"

namespace corestack::flannel {

struct LeaseAttrs {
  Ip4 public_ip;
  std::string backend_type;  // "vxlan", "host-gw"; empty for udp (omitted in JSON)
  std::string
      backend_data;  // raw JSON object text, e.g. {"VtepMAC":"82:4b:b6:2f:54:4e"}; may be empty
  bool operator==(const LeaseAttrs&) const = default;
};

struct Lease {
  Ip4Net subnet;  // network address, prefix = SubnetLen
  LeaseAttrs attrs;
  // From etcd's "expiration"; time_point{} for a reservation (no TTL).
  std::chrono::system_clock::time_point expiration{};
  uint64_t modified_index = 0;
  bool reservation() const { return expiration == std::chrono::system_clock::time_point{}; }
};

// One change seen by the lease watcher: a lease appeared or changed (added), or went away
// (removed: deleted or expired; attrs are the last ones known).
struct LeaseEvent {
  enum Kind { added, removed } kind = added;
  Lease lease;
};

}  // namespace corestack::flannel
