// The vxlan backend (docs/flannel.md "Backends"; flannel v0.9's static design): one VXLAN
// device flannel.<VNI> over the external interface, learning off, and for every other
// host's lease three kernel entries on it:
//   1. neighbour  <subnet base IP> lladdr <VtepMAC> permanent
//   2. FDB        <VtepMAC> dst <PublicIP> self permanent
//   3. route      <subnet> via <subnet base IP> dev flannel.<VNI> onlink   (last: the kernel
//                 would ARP for the gateway if the neighbour were not there yet)
// With DirectRouting a host whose PublicIP is on our L2 segment (the route to it has no
// gateway) gets a plain `<subnet> via <PublicIP>` instead. No miss handling, no threads.
//
// The device is reused across restarts when compatible, so a restart does not disturb
// traffic; the first handle() call (the watcher's initial snapshot, possibly empty) then
// removes neighbour/FDB/route entries on the device that match no lease.
// Calls come from one thread (Backend's contract); the netlink socket is bound to the
// namespace of the thread that constructs the backend.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "agents/flannel/backend.h"
#include "agents/flannel/dataplane/netlink.h"

namespace corestack::flannel {

struct VxlanSettings {
  uint32_t vni = 1;
  uint16_t port = 0;  // UDP port; 0 = the kernel's default, 8472
  bool gbp = false;
  bool direct_routing = false;
};

class VxlanBackend final : public Backend {
 public:
  static constexpr uint16_t kDefaultPort = 8472;

  explicit VxlanBackend(const VxlanSettings& settings);

  // Creates flannel.<VNI>, or reuses it when its VNI, underlay device, local address, port,
  // learning and GBP match (else deletes and recreates it), and sets it up.
  LeaseAttrs prepare(const ExternalInterface& external) override;
  int mtu() const override;  // the device's, as the kernel set it (external MTU - 50)
  // Addresses the device with the lease's base IP/32 (other IPv4 addresses removed).
  void start(const Lease& own, const Ip4Net& network) override;
  void handle(const std::vector<LeaseEvent>& events) override;

  std::string device_name() const;
  int device_index() const { return device_.index; }
  // The VTEP MAC published in our lease; valid after prepare(). When prepare() had to
  // create the device (device_created()), leases published before carry another MAC:
  // flanneld must publish the attributes prepare() returned (flannel#1795).
  const MacAddress& vtep_mac() const { return vtep_mac_; }
  bool device_created() const { return created_; }

 private:
  // What handle() put into the kernel for one remote subnet, so removal and reconcile
  // need nothing but this table.
  struct Programmed {
    bool direct = false;  // DirectRouting: only a route via public_ip
    MacAddress mac;
    Ip4 public_ip;
  };

  LinkInfo ensure_device(const VxlanAttrs& want);
  void add_lease(const Lease& lease);
  void remove_lease(const Lease& lease);
  void program_vxlan(const Ip4Net& subnet, const Programmed& entry);
  void unprogram(const Ip4Net& subnet, const Programmed& entry);
  void drop_replaced(const Ip4Net& subnet, const Programmed& before, const Programmed& now);
  bool directly_reachable(Ip4 public_ip);
  void reconcile();

  VxlanSettings settings_;
  Netlink netlink_;
  LinkInfo device_;
  MacAddress vtep_mac_;
  bool created_ = false;
  bool reconciled_ = false;
  std::optional<Ip4Net> own_subnet_;
  std::map<Ip4Net, Programmed> programmed_;
};

// vxlan's BackendData: {"VtepMAC":"82:4b:b6:2f:54:4e"} (lowercase MAC).
std::string vxlan_backend_data(const MacAddress& mac);
// The VtepMAC of a lease's BackendData (field name matched case-insensitively, as Go does);
// nullopt when the data is not an object with a valid MAC string.
std::optional<MacAddress> parse_vtep_mac(const std::string& backend_data);

}  // namespace corestack::flannel
