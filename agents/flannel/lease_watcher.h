// LeaseWatcher: every other host's lease as a stream of batches (docs/flannel.md "Watching
// leases"), for the backend. The first next() returns a snapshot (quorum recursive GET of
// <prefix>/subnets; a missing directory is an empty set) as `added` events; later calls
// long-poll the directory from the index after the last event seen (etcd v2 keys API:
// wait=true&recursive=true&waitIndex=N+1) and translate each change: set / create / update
// / compareAndSwap → added (with the new attrs), delete / expire / compareAndDelete →
// removed (with the attrs last seen). When etcd has cleared the history (401), the
// directory is read again and diffed against the cached set, so the caller still gets
// exactly the adds and removes it missed.
//
// Our own subnet never appears in the events; what happens to it is reported by
// own_change() instead, so flanneld notices a revoked lease from the same watch.
//
// Threading: borrows a Client, which it blocks during next(): give the watcher a Client
// of its own if another thread talks to etcd meanwhile.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agents/etcdclient/client.h"
#include "agents/etcdclient/keys_api.h"
#include "agents/etcdclient/result.h"
#include "agents/etcdclient/watcher.h"
#include "agents/flannel/ip4.h"
#include "agents/flannel/lease.h"
#include "agents/flannel/subnet_manager.h"

namespace corestack::flannel {

// Pure: the events that turn the cached set `before` into `after`, in subnet order:
// removed ones carry the cached attrs; a lease whose attrs, expiration or index changed is
// added again (the backend treats an add of a known subnet as an update).
std::vector<LeaseEvent> diff_leases(const std::map<Ip4Net, Lease>& before,
                                    const std::map<Ip4Net, Lease>& after);

class LeaseWatcher {
 public:
  // `prefix`: -etcd-prefix. `own`: our lease (its subnet is filtered out, see own_change();
  // its PublicIP tells a renewal of our key from a takeover), or nullopt to see every lease.
  LeaseWatcher(etcd::client::Client& client, std::string prefix, std::optional<Lease> own);

  // The next batch, waiting at most timeout_ms (0: no limit) for a change. The first call
  // (and the first after a failed snapshot) returns the snapshot. A batch may be empty:
  // the change concerned our own lease or a key that is not a lease. Errors: those of
  // etcd::client (kind timeout: nothing happened, call again; transport or etcd: log and
  // call again after 1 s). The position is kept across errors.
  etcd::client::Result<std::vector<LeaseEvent>> next(uint64_t timeout_ms);

  // Every lease currently known except our own, by subnet.
  const std::map<Ip4Net, Lease>& leases() const { return leases_; }

  // What the last next() saw happen to our own subnet (nullopt: nothing). revoked means
  // deleted, expired or taken over by another PublicIP: re-acquire, then set_own(). From
  // the revocation on the watcher has no own lease, so a host that took the subnet over
  // shows up as an ordinary added lease.
  const std::optional<OwnLeaseChange>& own_change() const { return own_change_; }

  // After re-acquiring: our new lease (the old subnet becomes an ordinary lease from the
  // next event on).
  void set_own(std::optional<Lease> own);

 private:
  etcd::client::Result<std::vector<LeaseEvent>> snapshot();
  std::vector<LeaseEvent> apply_event(const etcd::client::Response& event);
  std::vector<LeaseEvent> apply_resync(const etcd::client::WatchEvent& event);
  std::vector<LeaseEvent> remove_all();
  std::map<Ip4Net, Lease> others(const std::vector<Lease>& leases);
  bool is_own(const Ip4Net& subnet) const { return own_ && own_->subnet == subnet; }
  OwnLeaseChange own_state(const std::optional<Lease>& stored) const;
  void note_own(OwnLeaseChange change);

  etcd::client::Client& client_;
  std::string dir_;  // <prefix>/subnets
  std::optional<Lease> own_;
  std::optional<etcd::client::Watcher> watcher_;  // set once the snapshot is taken
  std::map<Ip4Net, Lease> leases_;
  std::optional<OwnLeaseChange> own_change_;
};

}  // namespace corestack::flannel
