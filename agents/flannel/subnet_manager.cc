#include "agents/flannel/subnet_manager.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "agents/flannel/lease_codec.h"

namespace corestack::flannel {
namespace {

using etcd::client::ErrorKind;

constexpr int kRenewRaces = 3;

SubnetError from_etcd(const etcd::client::Error& e) {
  const bool transport = e.kind == ErrorKind::transport || e.kind == ErrorKind::timeout;
  return SubnetError{transport ? SubnetErrorKind::transport : SubnetErrorKind::etcd, e.to_string(),
                     e};
}

SubnetError plain_error(SubnetErrorKind kind, std::string message) {
  return SubnetError{kind, std::move(message), {}};
}

bool lost_race(const etcd::client::Error& e) {
  return e.is(etcd::client::kKeyNotFound) || e.is(etcd::client::kTestFailed) ||
         e.is(etcd::client::kNodeExist);
}

// The lease a successful write produced.
Lease written_lease(const Ip4Net& subnet, const LeaseAttrs& attrs,
                    const etcd::client::Response& response) {
  Lease lease{subnet, attrs, {}, response.node.modified_index};
  if (response.node.expiration) {
    lease.expiration = parse_rfc3339(*response.node.expiration).value_or(lease.expiration);
  }
  return lease;
}

}  // namespace

struct SubnetManager::Step {
  enum Kind { acquired, race, pass } kind = pass;
  Lease lease;
};

std::optional<std::chrono::system_clock::time_point> renew_time(const Lease& lease,
                                                                std::chrono::minutes margin) {
  if (lease.reservation()) return std::nullopt;
  return lease.expiration - margin;
}

OwnLeaseChange own_lease_change(const std::string& action, const etcd::client::Node& node,
                                Ip4 public_ip) {
  OwnLeaseChange change;
  if (action == "delete" || action == "compareAndDelete" || action == "expire") {
    change.kind = OwnLeaseChange::revoked;
    change.reason = action == "expire" ? "expired" : "deleted";
    return change;
  }
  auto lease = lease_from_node(node);
  if (!lease) {
    change.kind = OwnLeaseChange::revoked;
    change.reason = "overwritten with a value that is not a lease (" + lease.error() + ")";
  } else if (lease->attrs.public_ip != public_ip) {
    change.kind = OwnLeaseChange::revoked;
    change.reason = "now held by " + lease->attrs.public_ip.to_string();
  } else {
    change.lease = std::move(*lease);
  }
  return change;
}

SubnetManager::SubnetManager(etcd::client::KeysApi& keys, std::string prefix, RandomIndex random)
    : keys_(keys), prefix_(etcd_path(prefix, "")), random_(std::move(random)) {}

SubnetResult<NetworkConfig> SubnetManager::get_config() {
  auto read = keys_.get(etcd_path(prefix_, "config"), {.quorum = true});
  if (!read) {
    SubnetError error = from_etcd(read.error());
    if (read.error().is(etcd::client::kKeyNotFound)) error.kind = SubnetErrorKind::config_missing;
    return unexpected(std::move(error));
  }
  auto config = parse_network_config(read->node.value);
  if (!config) return unexpected(plain_error(SubnetErrorKind::config_invalid, config.error()));
  return std::move(*config);
}

SubnetResult<std::vector<Lease>> SubnetManager::list_leases(uint64_t* etcd_index) {
  auto read =
      keys_.get(etcd_path(prefix_, "subnets"), {.recursive = true, .sorted = true, .quorum = true});
  if (!read) {
    if (!read.error().is(etcd::client::kKeyNotFound)) return unexpected(from_etcd(read.error()));
    if (etcd_index != nullptr) *etcd_index = read.error().index;
    return std::vector<Lease>();  // no host has a lease yet
  }
  if (etcd_index != nullptr) *etcd_index = read->etcd_index;
  return leases_from_dir(read->node);
}

SubnetResult<Lease> SubnetManager::acquire(const NetworkConfig& config, const LeaseAttrs& attrs,
                                           std::optional<Ip4Net> previous) {
  for (int attempt = 0; attempt < kRaceRetries; ++attempt) {
    auto step = try_acquire(config, attrs, previous);
    if (!step) return unexpected(step.error());
    if (step->kind == Step::acquired) return std::move(step->lease);
    spdlog::debug("Lost a race for a subnet (attempt {}), trying again", attempt + 1);
  }
  return unexpected(
      plain_error(SubnetErrorKind::max_retries, "Max retries reached trying to acquire a subnet"));
}

SubnetManager::StepResult SubnetManager::try_acquire(const NetworkConfig& config,
                                                     const LeaseAttrs& attrs,
                                                     const std::optional<Ip4Net>& previous) {
  auto leases = list_leases();
  if (!leases) return unexpected(leases.error());
  auto step = reuse_by_ip(config, attrs, *leases);
  if (!step || step->kind != Step::pass) return step;
  if (previous) {
    step = reuse_previous(config, attrs, *leases, *previous);
    if (!step || step->kind != Step::pass) return step;
  }
  return allocate(config, attrs, *leases);
}

// Our PublicIP already holds a lease: keep it if the config still allows it, else delete
// it (compare-and-delete: only the version we read) and go on without it.
SubnetManager::StepResult SubnetManager::reuse_by_ip(const NetworkConfig& config,
                                                     const LeaseAttrs& attrs,
                                                     std::vector<Lease>& leases) {
  const Ip4 ip = attrs.public_ip;
  for (auto it = leases.begin(); it != leases.end();) {
    if (it->attrs.public_ip != ip) {
      ++it;
      continue;
    }
    if (config.compatible(it->subnet)) {
      spdlog::info("Found lease ({}) for current IP ({}), reusing", it->subnet.to_string(),
                   ip.to_string());
      return take_over(*it, attrs);
    }
    spdlog::info(
        "Found lease ({}) for current IP ({}) but not compatible with current config, "
        "deleting",
        it->subnet.to_string(), ip.to_string());
    auto removed = keys_.compare_and_delete(lease_key(prefix_, it->subnet), "", it->modified_index);
    if (!removed && removed.error().is(etcd::client::kTestFailed)) return Step{Step::race, {}};
    if (!removed && !removed.error().is(etcd::client::kKeyNotFound)) {
      return unexpected(from_etcd(removed.error()));
    }
    it = leases.erase(it);
  }
  return Step{};
}

// flannel v0.8+: the subnet subnet.env named before a restart, when nobody else took it.
SubnetManager::StepResult SubnetManager::reuse_previous(const NetworkConfig& config,
                                                        const LeaseAttrs& attrs,
                                                        const std::vector<Lease>& leases,
                                                        const Ip4Net& previous) {
  const std::string name = previous.to_string();
  if (!config.compatible(previous)) {
    spdlog::error(
        "Found previously leased subnet ({}) that is not compatible with the Etcd "
        "network config, ignoring",
        name);
    return Step{};
  }
  for (const Lease& lease : leases) {
    if (!lease.subnet.overlaps(previous)) continue;
    if (lease.subnet == previous && lease.attrs.public_ip == attrs.public_ip) {
      spdlog::info("Found lease ({}) matching previously leased subnet, reusing", name);
      return take_over(lease, attrs);
    }
    spdlog::info("Found lease ({}) held by {} over previously leased subnet ({}), not reusing it",
                 lease.subnet.to_string(), lease.attrs.public_ip.to_string(), name);
    return Step{};
  }
  spdlog::info("Found previously leased subnet ({}), reusing", name);
  return create(previous, attrs);
}

SubnetManager::StepResult SubnetManager::allocate(const NetworkConfig& config,
                                                  const LeaseAttrs& attrs,
                                                  const std::vector<Lease>& leases) {
  spdlog::info("Picking subnet in range {} ... {}", config.subnet_min.to_string(),
               config.subnet_max.to_string());
  auto subnet = choose_subnet(config, leases, random_);
  if (!subnet) return unexpected(plain_error(SubnetErrorKind::out_of_subnets, "out of subnets"));
  auto step = create(*subnet, attrs);
  if (step && step->kind == Step::acquired) {
    spdlog::info("Allocated lease ({}) to current node ({})", subnet->to_string(),
                 attrs.public_ip.to_string());
  }
  return step;
}

// Rewrites `existing` with our attrs only if it is still the version we read; a
// reservation stays a reservation.
SubnetManager::StepResult SubnetManager::take_over(const Lease& existing, const LeaseAttrs& attrs) {
  etcd::client::SetOptions options;
  options.prev_index = existing.modified_index;  // etcd v2 keys API: prevIndex (CAS)
  options.ttl_s = existing.reservation() ? 0 : kLeaseTtlS;
  auto written = keys_.set(lease_key(prefix_, existing.subnet), encode_lease_attrs(attrs), options);
  if (written) return Step{Step::acquired, written_lease(existing.subnet, attrs, *written)};
  if (lost_race(written.error())) {
    spdlog::info("Lease ({}) changed while reusing it, trying again", existing.subnet.to_string());
    return Step{Step::race, {}};
  }
  return unexpected(from_etcd(written.error()));
}

SubnetManager::StepResult SubnetManager::create(const Ip4Net& subnet, const LeaseAttrs& attrs) {
  auto created = keys_.create(lease_key(prefix_, subnet), encode_lease_attrs(attrs), kLeaseTtlS);
  if (created) return Step{Step::acquired, written_lease(subnet, attrs, *created)};
  if (created.error().is(etcd::client::kNodeExist)) return Step{Step::race, {}};
  return unexpected(from_etcd(created.error()));
}

SubnetResult<Lease> SubnetManager::renew(const Lease& lease) {
  for (int attempt = 0; attempt < kRenewRaces; ++attempt) {
    auto renewed = renew_once(lease);
    if (!renewed) return unexpected(renewed.error());
    if (*renewed) return std::move(**renewed);
  }
  return unexpected(plain_error(
      SubnetErrorKind::etcd,
      "lease " + lease.subnet.to_string() + " kept changing while renewing it; try again later"));
}

// One read + compare-and-swap round; nullopt when the key changed in between.
SubnetResult<std::optional<Lease>> SubnetManager::renew_once(const Lease& lease) {
  const std::string key = lease_key(prefix_, lease.subnet);
  auto read = keys_.get(key, {.quorum = true});
  if (!read && read.error().is(etcd::client::kKeyNotFound)) {
    return unexpected(plain_error(SubnetErrorKind::revoked, "Lease has been revoked (deleted)"));
  }
  if (!read) return unexpected(from_etcd(read.error()));
  auto change = own_lease_change("get", read->node, lease.attrs.public_ip);
  if (change.kind == OwnLeaseChange::revoked) {
    return unexpected(
        plain_error(SubnetErrorKind::revoked, "Lease has been revoked (" + change.reason + ")"));
  }
  const Lease& stored = change.lease;
  if (stored.reservation() && stored.attrs == lease.attrs) return std::optional<Lease>(stored);
  etcd::client::SetOptions options;
  options.prev_index = stored.modified_index;
  options.ttl_s = stored.reservation() ? 0 : kLeaseTtlS;
  auto written = keys_.set(key, encode_lease_attrs(lease.attrs), options);
  if (written) return std::optional<Lease>(written_lease(lease.subnet, lease.attrs, *written));
  if (lost_race(written.error())) return std::optional<Lease>();
  return unexpected(from_etcd(written.error()));
}

}  // namespace corestack::flannel
