// Chooses the data plane flanneld runs from the network config's "Backend" object (parsed
// by the control plane into BackendSettings; docs/flannel.md "Backends").
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "agents/flannel/backend.h"

namespace corestack::flannel {

struct BackendSettings {
  std::string type;             // "udp", "vxlan", "host-gw" (case-insensitive); empty = "udp"
  uint32_t vni = 1;             // vxlan
  uint16_t port = 0;            // udp: 0 = 8285; vxlan: 0 = the kernel's 8472
  bool gbp = false;             // vxlan
  bool direct_routing = false;  // vxlan
};

// A backend bound to the network namespace of the calling thread. Throws
// std::runtime_error("unknown backend type: <type>") for anything else (including the
// cloud backends aws-vpc and gce, which this build does not have).
std::unique_ptr<Backend> make_backend(const BackendSettings& settings);

}  // namespace corestack::flannel
