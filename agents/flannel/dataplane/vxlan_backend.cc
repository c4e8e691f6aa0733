#include "agents/flannel/dataplane/vxlan_backend.h"

#include <spdlog/spdlog.h>

#include <functional>
#include <set>
#include <stdexcept>
#include <utility>

#include "agents/flannel/go_json.h"

namespace corestack::flannel {
namespace {

// Why an existing link cannot serve as the device; empty when it can.
std::string incompatibility(const LinkInfo& link, const VxlanAttrs& want) {
  if (!link.vxlan) return "type " + (link.type.empty() ? std::string("unknown") : link.type);
  const VxlanAttrs& have = *link.vxlan;
  std::string why;
  auto differs = [&why](const char* field, const std::string& has, const std::string& wanted) {
    if (has == wanted) return;
    if (!why.empty()) why += ", ";
    why += std::string(field) + " " + has + " (want " + wanted + ")";
  };
  differs("vni", std::to_string(have.vni), std::to_string(want.vni));
  differs("local", have.local.to_string(), want.local.to_string());
  differs("underlay ifindex", std::to_string(have.underlay), std::to_string(want.underlay));
  differs("port", std::to_string(have.port), std::to_string(want.port));
  differs("learning", have.learning ? "on" : "off", want.learning ? "on" : "off");
  differs("gbp", have.gbp ? "on" : "off", want.gbp ? "on" : "off");
  return why;
}

// Runs a cleanup step whose failure must not hide the error being handled or stop the
// other steps: logs it instead.
void best_effort(const std::string& what, const std::function<void()>& step) {
  try {
    step();
  } catch (const NetlinkError& error) {
    if (error.not_found()) {
      spdlog::debug("{}: already gone", what);
    } else {
      spdlog::warn("{}: {}", what, error.what());
    }
  }
}

}  // namespace

std::string vxlan_backend_data(const MacAddress& mac) {
  return R"({"VtepMAC":")" + mac.to_string() + R"("})";
}

std::optional<MacAddress> parse_vtep_mac(const std::string& backend_data) {
  auto members = object_members(backend_data);
  if (!members) return std::nullopt;
  const JsonMember* member = find_member(*members, "VtepMAC");
  if (member == nullptr) return std::nullopt;
  auto text = json_string(*member, "BackendData.VtepMAC");
  if (!text) return std::nullopt;
  return MacAddress::parse(*text);
}

VxlanBackend::VxlanBackend(const VxlanSettings& settings) : settings_(settings) {}

std::string VxlanBackend::device_name() const {
  return "flannel." + std::to_string(settings_.vni);
}

LeaseAttrs VxlanBackend::prepare(const ExternalInterface& external) {
  VxlanAttrs want;
  want.vni = settings_.vni;
  want.local = external.address;  // the interface's own address, not -public-ip
  want.underlay = external.index;
  want.port = settings_.port != 0 ? settings_.port : kDefaultPort;
  want.learning = false;  // every remote MAC comes from a lease, never from traffic
  want.gbp = settings_.gbp;
  device_ = ensure_device(want);
  netlink_.set_link_up(device_.index);
  if (!device_.mac) throw std::runtime_error(device_name() + " has no MAC address");
  vtep_mac_ = *device_.mac;
  return {external.public_ip, "vxlan", vxlan_backend_data(vtep_mac_)};
}

LinkInfo VxlanBackend::ensure_device(const VxlanAttrs& want) {
  const std::string name = device_name();
  if (auto existing = netlink_.find_link(name)) {
    const std::string why = incompatibility(*existing, want);
    if (why.empty()) {
      spdlog::info("Using existing vxlan device {} (VNI {}, MAC {})", name, want.vni,
                   existing->mac ? existing->mac->to_string() : "none");
      return *existing;
    }
    spdlog::warn("{} already exists with incompatible configuration: {}; recreating it", name, why);
    netlink_.delete_link(existing->index);
  }
  LinkInfo created = netlink_.create_vxlan({name, want});
  created_ = true;
  spdlog::info("Created vxlan device {} (VNI {}, local {}, port {}, MTU {}, MAC {})", name,
               want.vni, want.local.to_string(), want.port, created.mtu,
               created.mac ? created.mac->to_string() : "none");
  return created;
}

int VxlanBackend::mtu() const {
  return device_.mtu;
}

void VxlanBackend::start(const Lease& own, const Ip4Net& /*network*/) {
  if (device_.index == 0) throw std::logic_error("VxlanBackend::start before prepare");
  const Ip4Net address{own.subnet.first(), 32};
  // A changed lease leaves the old address behind; only ours may stay.
  for (const auto& entry : netlink_.addresses(device_.index)) {
    if (entry.address != address) netlink_.delete_address(device_.index, entry.address);
  }
  netlink_.replace_address(device_.index, address);
  own_subnet_ = own.subnet;
  spdlog::info("{} has address {} for lease {}", device_name(), address.to_string(),
               own.subnet.to_string());
}

void VxlanBackend::handle(const std::vector<LeaseEvent>& events) {
  if (device_.index == 0) {
    spdlog::error("vxlan: lease events before the device exists; ignored");
    return;
  }
  for (const auto& event : events) {
    try {
      if (event.kind == LeaseEvent::added) {
        add_lease(event.lease);
      } else {
        remove_lease(event.lease);
      }
    } catch (const std::exception& error) {
      spdlog::error("vxlan: subnet {}: {}", event.lease.subnet.to_string(), error.what());
    }
  }
  if (!reconciled_) {
    reconciled_ = true;
    reconcile();
  }
}

void VxlanBackend::add_lease(const Lease& lease) {
  const auto& attrs = lease.attrs;
  if (attrs.backend_type != "vxlan") {
    spdlog::warn("Ignoring non-vxlan subnet({}): type={}", lease.subnet.to_string(),
                 attrs.backend_type);
    return;
  }
  if (own_subnet_ && lease.subnet == *own_subnet_) return;
  auto mac = parse_vtep_mac(attrs.backend_data);
  if (!mac) {
    spdlog::error("Ignoring vxlan subnet({}): no valid VtepMAC in BackendData {}",
                  lease.subnet.to_string(), attrs.backend_data);
    return;
  }
  Programmed entry{settings_.direct_routing && directly_reachable(attrs.public_ip), *mac,
                   attrs.public_ip};
  if (entry.direct) {
    spdlog::info("Adding direct route to subnet: {} PublicIP: {}", lease.subnet.to_string(),
                 attrs.public_ip.to_string());
    netlink_.replace_route({lease.subnet, attrs.public_ip, 0, false});
  } else {
    spdlog::info("Adding subnet: {} PublicIP: {} VtepMAC: {}", lease.subnet.to_string(),
                 attrs.public_ip.to_string(), mac->to_string());
    program_vxlan(lease.subnet, entry);
  }
  auto previous = programmed_.find(lease.subnet);
  if (previous != programmed_.end()) drop_replaced(lease.subnet, previous->second, entry);
  programmed_[lease.subnet] = entry;
}

// Steps 1-3 of the header; a failure undoes the steps already done, so a subnet is either
// fully reachable or not touched.
void VxlanBackend::program_vxlan(const Ip4Net& subnet, const Programmed& entry) {
  const int dev = device_.index;
  const Ip4 gateway = subnet.first();
  netlink_.replace_neighbour(dev, gateway, entry.mac);
  try {
    netlink_.add_fdb(dev, entry.mac, entry.public_ip);
  } catch (...) {
    best_effort("undo neighbour " + gateway.to_string(),
                [&] { netlink_.delete_neighbour(dev, gateway); });
    throw;
  }
  try {
    netlink_.replace_route({subnet, gateway, dev, true});
  } catch (...) {
    best_effort("undo neighbour " + gateway.to_string(),
                [&] { netlink_.delete_neighbour(dev, gateway); });
    best_effort("undo fdb " + entry.mac.to_string(),
                [&] { netlink_.delete_fdb(dev, entry.mac, entry.public_ip); });
    throw;
  }
}

// A lease that changed (new VtepMAC after the other host recreated its device, or a switch
// between direct and vxlan routing) leaves entries the new programming did not overwrite.
void VxlanBackend::drop_replaced(const Ip4Net& subnet, const Programmed& before,
                                 const Programmed& now) {
  const int dev = device_.index;
  if (!before.direct && now.direct) {
    best_effort("delete neighbour " + subnet.first().to_string(),
                [&] { netlink_.delete_neighbour(dev, subnet.first()); });
  }
  const bool fdb_kept = !now.direct && before.mac == now.mac;
  if (!before.direct && !fdb_kept) {
    best_effort("delete fdb " + before.mac.to_string(),
                [&] { netlink_.delete_fdb(dev, before.mac, before.public_ip); });
  }
}

void VxlanBackend::remove_lease(const Lease& lease) {
  auto found = programmed_.find(lease.subnet);
  if (found == programmed_.end()) {
    if (lease.attrs.backend_type != "vxlan") {
      spdlog::warn("Ignoring non-vxlan subnet({}): type={}", lease.subnet.to_string(),
                   lease.attrs.backend_type);
      return;
    }
    // Not programmed by this run (e.g. removed before the snapshot): clean up by its attrs.
    auto mac = parse_vtep_mac(lease.attrs.backend_data);
    Programmed entry{false, mac.value_or(MacAddress{}), lease.attrs.public_ip};
    if (mac) unprogram(lease.subnet, entry);
    return;
  }
  unprogram(lease.subnet, found->second);
  programmed_.erase(found);
}

// Deletes what program_vxlan (or the direct route) added; continues past failures.
void VxlanBackend::unprogram(const Ip4Net& subnet, const Programmed& entry) {
  const int dev = device_.index;
  spdlog::info("Removing subnet: {} PublicIP: {}", subnet.to_string(), entry.public_ip.to_string());
  if (entry.direct) {
    best_effort("delete route " + subnet.to_string(), [&] {
      netlink_.delete_route({subnet, entry.public_ip, 0, false});
    });
    return;
  }
  best_effort("delete neighbour " + subnet.first().to_string(),
              [&] { netlink_.delete_neighbour(dev, subnet.first()); });
  best_effort("delete fdb " + entry.mac.to_string(),
              [&] { netlink_.delete_fdb(dev, entry.mac, entry.public_ip); });
  best_effort("delete route " + subnet.to_string(), [&] {
    netlink_.delete_route({subnet, subnet.first(), dev, true});
  });
}

bool VxlanBackend::directly_reachable(Ip4 public_ip) {
  try {
    return !netlink_.lookup_route(public_ip).gateway;
  } catch (const NetlinkError& error) {
    spdlog::warn("DirectRouting: {}", error.what());
    return false;
  }
}

// After the initial snapshot: entries on the device from an earlier run that match no
// current lease (the lease expired while flanneld was down) would misroute traffic.
void VxlanBackend::reconcile() {
  const int dev = device_.index;
  std::set<std::pair<Ip4, MacAddress>> neighbours;
  std::set<std::pair<MacAddress, Ip4>> fdb;
  for (const auto& [subnet, entry] : programmed_) {
    if (entry.direct) continue;
    neighbours.insert({subnet.first(), entry.mac});
    fdb.insert({entry.mac, entry.public_ip});
  }
  for (const auto& neighbour : netlink_.neighbours(dev)) {
    if (neighbour.mac && neighbours.count({neighbour.ip, *neighbour.mac}) > 0) continue;
    spdlog::info("Removing stale neighbour {} on {}", neighbour.ip.to_string(), device_name());
    best_effort("delete neighbour", [&] { netlink_.delete_neighbour(dev, neighbour.ip); });
  }
  for (const auto& entry : netlink_.fdb(dev)) {
    if (!entry.dst || fdb.count({entry.mac, *entry.dst}) > 0) continue;  // no dst: not a VTEP
    spdlog::info("Removing stale fdb entry {} dst {}", entry.mac.to_string(),
                 entry.dst->to_string());
    best_effort("delete fdb", [&] { netlink_.delete_fdb(dev, entry.mac, *entry.dst); });
  }
  for (const auto& route : netlink_.routes()) {
    if (route.ifindex != dev || !route.gateway || programmed_.count(route.dst) > 0) continue;
    spdlog::info("Removing stale route {}", describe(route));
    best_effort("delete route", [&] { netlink_.delete_route(route); });
  }
}

}  // namespace corestack::flannel
