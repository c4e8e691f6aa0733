// Leases as etcd stores them (docs/flannel.md "Leases"): the key
// <prefix>/subnets/<a.b.c.d>-<len> names the subnet, the value is the owner's attributes
// as Go's json.Marshal writes flannel's LeaseAttrs, byte for byte:
//   {"PublicIP":"192.168.1.10","BackendType":"vxlan","BackendData":{"VtepMAC":"82:4b:..."}}
// (BackendType and BackendData omitted when empty), and the node's TTL gives the
// expiration (none: a reservation). Pure functions; bad nodes are skipped with a warning
// (spdlog), as the reference does ("Ignoring bad subnet node").
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/etcdclient/types.h"
#include "agents/flannel/expected.h"
#include "agents/flannel/ip4.h"
#include "agents/flannel/lease.h"

namespace corestack::flannel {

inline constexpr uint64_t kLeaseTtlS = 24 * 60 * 60;  // flannel's subnetTTL

// "/coreos.com/network/" + "subnets" → "/coreos.com/network/subnets": joins and cleans
// like Go's path.Join (one leading '/', no trailing or doubled '/').
std::string etcd_path(std::string_view prefix, std::string_view name);
// <prefix>/subnets/10.1.5.0-24
std::string lease_key(std::string_view prefix, const Ip4Net& subnet);

// The subnet a key's last component names ("10.1.5.0-24"); nullopt unless it is exactly
// a.b.c.d-len with len <= 31. The address keeps host bits as written (an unaligned key is
// still a lease, so it blocks the subnets it overlaps; it is never compatible).
std::optional<Ip4Net> subnet_from_key(std::string_view key);

// Go json.Marshal(LeaseAttrs): backend_data is compacted; it must be empty or valid JSON.
std::string encode_lease_attrs(const LeaseAttrs& attrs);
// Go json.Unmarshal into LeaseAttrs: field names in any case, unknown fields ignored,
// BackendData kept as its exact text. Errors: not JSON / not an object, "PublicIP is
// missing", "invalid PublicIP ...", "BackendType: expected a string".
Expected<LeaseAttrs, std::string> decode_lease_attrs(std::string_view json);

// RFC 3339 as etcd writes "expiration" ("2026-11-22T14:53:23.400383527Z", or with a
// "+01:00" offset). nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);
// RFC 3339 in UTC with nanoseconds trimmed like Go's time.RFC3339Nano ("...:23.4Z").
std::string format_rfc3339(std::chrono::system_clock::time_point time);

// A lease from one etcd node (key, value, expiration, modifiedIndex). Errors say why the
// node is not a lease (for the warning).
Expected<Lease, std::string> lease_from_node(const etcd::client::Node& node);
// Every lease among a directory's children (a recursive GET of <prefix>/subnets); nodes
// that are not leases are skipped with a warning. In etcd's order.
std::vector<Lease> leases_from_dir(const etcd::client::Node& dir);

}  // namespace corestack::flannel
