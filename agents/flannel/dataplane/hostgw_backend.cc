#include "agents/flannel/dataplane/hostgw_backend.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace corestack::flannel {

LeaseAttrs HostGwBackend::prepare(const ExternalInterface& external) {
  if (external.public_ip != external.address) {
    throw std::runtime_error(
        "Your PublicIP differs from interface IP, meaning that probably you're on a NAT, "
        "which is not supported by host-gw backend");
  }
  mtu_ = external.mtu;
  return {external.public_ip, "host-gw", ""};
}

void HostGwBackend::start(const Lease& own, const Ip4Net& /*network*/) {
  own_subnet_ = own.subnet;
}

void HostGwBackend::handle(const std::vector<LeaseEvent>& events) {
  for (const auto& event : events) {
    const Lease& lease = event.lease;
    if (lease.attrs.backend_type != "host-gw") {
      spdlog::warn("Ignoring non-host-gw subnet({}): type={}", lease.subnet.to_string(),
                   lease.attrs.backend_type);
      continue;
    }
    if (lease.subnet == own_subnet_) continue;
    try {
      if (event.kind == LeaseEvent::added) {
        add_route(lease);
      } else {
        remove_route(lease);
      }
    } catch (const std::exception& error) {
      spdlog::error("host-gw: subnet {}: {}", lease.subnet.to_string(), error.what());
    }
  }
}

void HostGwBackend::add_route(const Lease& lease) {
  const Route route{lease.subnet, lease.attrs.public_ip, 0, false};
  bool present = false;
  for (const auto& existing : netlink_.routes()) {
    if (existing.dst != lease.subnet) continue;
    if (existing.gateway == route.gateway) {
      present = true;
      continue;
    }
    spdlog::warn("Replacing existing route to {} with {}", describe(existing), describe(route));
    netlink_.delete_route(existing);
  }
  if (present) {
    spdlog::info("Route to {} already exists, skipping.", describe(route));
  } else {
    spdlog::info("Adding route to {}", describe(route));
    netlink_.replace_route(route);
  }
  routes_[lease.subnet] = lease.attrs.public_ip;
}

void HostGwBackend::remove_route(const Lease& lease) {
  const Route route{lease.subnet, lease.attrs.public_ip, 0, false};
  routes_.erase(lease.subnet);
  spdlog::info("Removing route to {}", describe(route));
  try {
    netlink_.delete_route(route);
  } catch (const NetlinkError& error) {
    if (!error.not_found()) throw;
  }
}

void HostGwBackend::repair() {
  std::vector<Route> present;
  try {
    present = netlink_.routes();
  } catch (const NetlinkError& error) {
    spdlog::error("host-gw: route check: {}", error.what());
    return;
  }
  for (const auto& [subnet, gateway] : routes_) {
    const Route route{subnet, gateway, 0, false};
    bool found = false;
    for (const auto& existing : present)
      found = found || (existing.dst == subnet && existing.gateway == gateway);
    if (found) continue;
    try {
      netlink_.replace_route(route);
      spdlog::info("Route recovered {} : {}", subnet.to_string(), gateway.to_string());
    } catch (const NetlinkError& error) {
      spdlog::error("Error recovering route to {}: {}", describe(route), error.what());
    }
  }
}

}  // namespace corestack::flannel
