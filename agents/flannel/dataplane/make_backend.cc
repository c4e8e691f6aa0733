#include "agents/flannel/dataplane/make_backend.h"

#include <algorithm>
#include <stdexcept>

#include "agents/flannel/dataplane/hostgw_backend.h"
#include "agents/flannel/dataplane/udp_backend.h"
#include "agents/flannel/dataplane/vxlan_backend.h"

namespace corestack::flannel {

std::unique_ptr<Backend> make_backend(const BackendSettings& settings) {
  std::string type = settings.type.empty() ? "udp" : settings.type;
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (type == "udp") return std::make_unique<UdpBackend>(settings.port);
  if (type == "vxlan") {
    return std::make_unique<VxlanBackend>(
        VxlanSettings{settings.vni, settings.port, settings.gbp, settings.direct_routing});
  }
  if (type == "host-gw") return std::make_unique<HostGwBackend>();
  throw std::runtime_error("unknown backend type: " + settings.type);
}

}  // namespace corestack::flannel
