// SubnetManager: this host's subnet lease in etcd (docs/flannel.md "Leases"). Reads the
// network config, acquires a lease — reusing the one etcd already holds for our PublicIP,
// else the subnet named by a previous subnet.env, else a random free one — and renews it.
//
// Every write that takes over an existing key is a compare-and-swap on the modifiedIndex
// just read (etcd v2 keys API: prevIndex), and every new key is created with
// prevExist=false, so a host never overwrites a lease that changed hands under it (the
// reference reused by IP unconditionally: flannel#1289, #805). Lost races are retried up
// to 10 times; any other etcd error is returned (the reference retried every error on
// create). Reservations (leases without a TTL) keep TTL 0 when reused or renewed.
//
// Borrows a KeysApi (and so its Client): one thread at a time; every call blocks for at
// most the Client's timeouts per request. Logs with spdlog in the reference's words.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "agents/etcdclient/keys_api.h"
#include "agents/etcdclient/result.h"
#include "agents/etcdclient/types.h"
#include "agents/flannel/allocation.h"
#include "agents/flannel/expected.h"
#include "agents/flannel/ip4.h"
#include "agents/flannel/lease.h"
#include "agents/flannel/network_config.h"

namespace corestack::flannel {

inline constexpr int kRaceRetries = 10;

enum class SubnetErrorKind {
  config_missing,  // <prefix>/config does not exist (etcd 100): log it, retry in 1 s
  config_invalid,  // the config does not parse (message says why): log it, retry in 1 s
  out_of_subnets,  // no free subnet in [SubnetMin, SubnetMax]: "out of subnets"
  max_retries,     // 10 races lost: "Max retries reached trying to acquire a subnet"
  revoked,         // renew: the key is gone or another host owns it now
  etcd,            // any other etcd answer (e.g. 110 unauthorised, 107 read only)
  transport,       // no endpoint answered, or the call timed out
};

struct SubnetError {
  SubnetErrorKind kind = SubnetErrorKind::etcd;
  // What flanneld logs: "out of subnets", "100: Key not found (/coreos.com/network/config)
  // [12]", "client: etcd cluster is unavailable or misconfigured; ...", a config error.
  std::string message;
  etcd::client::Error cause;  // kinds config_missing, etcd, transport
};

template <typename T>
using SubnetResult = Expected<T, SubnetError>;

// When to renew `lease`: `margin` before it expires; nullopt for a reservation (it never
// expires, so there is nothing to renew).
std::optional<std::chrono::system_clock::time_point> renew_time(const Lease& lease,
                                                                std::chrono::minutes margin);

// What a change to our own lease key means (a watch event on it, or a fresh read).
struct OwnLeaseChange {
  enum Kind { updated, revoked } kind = updated;
  Lease lease;         // updated: the lease as now stored (expiration, modifiedIndex, attrs)
  std::string reason;  // revoked: "deleted", "expired", "now held by 10.0.0.7", ...
};
// Classifies `action` ("set", "update", "compareAndSwap", "create", "get", "delete",
// "expire", "compareAndDelete") on `node` for the host whose PublicIP is `public_ip`: a
// removal, or a value that names another PublicIP (or does not parse), is a revocation.
OwnLeaseChange own_lease_change(const std::string& action, const etcd::client::Node& node,
                                Ip4 public_ip);

class SubnetManager {
 public:
  // `prefix`: -etcd-prefix ("/coreos.com/network"); keys are <prefix>/config and
  // <prefix>/subnets/<a.b.c.d-len>. `random` picks among free subnets.
  SubnetManager(etcd::client::KeysApi& keys, std::string prefix, RandomIndex random);

  const std::string& prefix() const { return prefix_; }

  // Quorum GET + parse of <prefix>/config. Errors: config_missing, config_invalid, etcd,
  // transport.
  SubnetResult<NetworkConfig> get_config();

  // Quorum recursive GET of <prefix>/subnets (a missing directory is no lease); bad nodes
  // are skipped with a warning. `etcd_index` (optional) receives X-Etcd-Index (or the
  // error's index when the directory is missing). Errors: etcd, transport.
  SubnetResult<std::vector<Lease>> list_leases(uint64_t* etcd_index = nullptr);

  // Acquires a lease for `attrs` under `config` (docs/flannel.md "Acquiring a lease"), at
  // most kRaceRetries rounds of: read all leases; reuse ours (by PublicIP; incompatible
  // ones are deleted); reuse `previous` (subnet.env's FLANNEL_SUBNET) when free or ours;
  // create a random free subnet with TTL 24 h. Durable in etcd on return. Errors:
  // out_of_subnets, max_retries, etcd, transport.
  SubnetResult<Lease> acquire(const NetworkConfig& config, const LeaseAttrs& attrs,
                              std::optional<Ip4Net> previous = std::nullopt);

  // Renews `lease` with its attrs: quorum read, then compare-and-swap on that modifiedIndex
  // with TTL 24 h (a reservation is not rewritten: it keeps TTL 0). A few lost races are
  // retried. Returns the lease as now stored (new expiration). Errors: revoked (the key
  // is gone or another PublicIP holds it; the caller re-acquires), etcd, transport.
  SubnetResult<Lease> renew(const Lease& lease);

 private:
  struct Step;
  using StepResult = SubnetResult<Step>;

  StepResult try_acquire(const NetworkConfig& config, const LeaseAttrs& attrs,
                         const std::optional<Ip4Net>& previous);
  StepResult reuse_by_ip(const NetworkConfig& config, const LeaseAttrs& attrs,
                         std::vector<Lease>& leases);
  StepResult reuse_previous(const NetworkConfig& config, const LeaseAttrs& attrs,
                            const std::vector<Lease>& leases, const Ip4Net& previous);
  StepResult allocate(const NetworkConfig& config, const LeaseAttrs& attrs,
                      const std::vector<Lease>& leases);
  StepResult take_over(const Lease& existing, const LeaseAttrs& attrs);
  StepResult create(const Ip4Net& subnet, const LeaseAttrs& attrs);
  SubnetResult<std::optional<Lease>> renew_once(const Lease& lease);

  etcd::client::KeysApi& keys_;
  std::string prefix_;
  RandomIndex random_;
};

}  // namespace corestack::flannel
