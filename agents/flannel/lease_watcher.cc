#include "agents/flannel/lease_watcher.h"

#include <spdlog/spdlog.h>

#include "agents/flannel/lease_codec.h"

namespace corestack::flannel {
namespace {

bool is_removal(const std::string& action) {
  return action == "delete" || action == "expire" || action == "compareAndDelete";
}

std::string parent_of(const std::string& key) {
  const auto slash = key.rfind('/');
  return slash == std::string::npos ? std::string() : key.substr(0, slash);
}

bool same_lease(const Lease& a, const Lease& b) {
  return a.attrs == b.attrs && a.expiration == b.expiration && a.modified_index == b.modified_index;
}

}  // namespace

std::vector<LeaseEvent> diff_leases(const std::map<Ip4Net, Lease>& before,
                                    const std::map<Ip4Net, Lease>& after) {
  std::vector<LeaseEvent> events;
  for (const auto& [subnet, lease] : before) {
    if (after.count(subnet) == 0) events.push_back({LeaseEvent::removed, lease});
  }
  for (const auto& [subnet, lease] : after) {
    auto old = before.find(subnet);
    if (old == before.end() || !same_lease(old->second, lease)) {
      events.push_back({LeaseEvent::added, lease});
    }
  }
  return events;
}

LeaseWatcher::LeaseWatcher(etcd::client::Client& client, std::string prefix,
                           std::optional<Lease> own)
    : client_(client), dir_(etcd_path(prefix, "subnets")), own_(std::move(own)) {}

void LeaseWatcher::set_own(std::optional<Lease> own) {
  own_ = std::move(own);
  if (own_) leases_.erase(own_->subnet);
}

etcd::client::Result<std::vector<LeaseEvent>> LeaseWatcher::next(uint64_t timeout_ms) {
  own_change_.reset();
  if (!watcher_) return snapshot();
  auto event = watcher_->next(timeout_ms);
  if (!event) return event.error();
  if (event->resync) {
    spdlog::warn("Watch of {}: etcd index outside history window, re-reading all leases", dir_);
    return apply_resync(*event);
  }
  return apply_event(event->response);
}

// The leases other than ours, by subnet; notes what became of ours.
std::map<Ip4Net, Lease> LeaseWatcher::others(const std::vector<Lease>& leases) {
  std::map<Ip4Net, Lease> out;
  std::optional<Lease> stored;
  for (const Lease& lease : leases) {
    if (is_own(lease.subnet)) {
      stored = lease;
    } else {
      out[lease.subnet] = lease;
    }
  }
  if (own_) note_own(own_state(stored));
  // Revoked by a takeover: from now on the subnet is another host's lease like any other.
  if (stored && !is_own(stored->subnet)) out[stored->subnet] = *stored;
  return out;
}

OwnLeaseChange LeaseWatcher::own_state(const std::optional<Lease>& stored) const {
  OwnLeaseChange change;
  if (!stored) {
    change = {OwnLeaseChange::revoked, {}, "deleted"};
  } else if (stored->attrs.public_ip != own_->attrs.public_ip) {
    change = {OwnLeaseChange::revoked, {}, "now held by " + stored->attrs.public_ip.to_string()};
  } else {
    change.lease = *stored;
  }
  return change;
}

etcd::client::Result<std::vector<LeaseEvent>> LeaseWatcher::snapshot() {
  etcd::client::KeysApi keys(client_);
  auto read = keys.get(dir_, {.recursive = true, .sorted = true, .quorum = true});
  uint64_t index = 0;
  std::vector<Lease> leases;
  if (read) {
    index = read->etcd_index;
    leases = leases_from_dir(read->node);
  } else if (read.error().is(etcd::client::kKeyNotFound)) {
    index = read.error().index;  // no lease yet: watch from here
  } else {
    return read.error();
  }
  auto current = others(leases);
  auto events = diff_leases(leases_, current);
  leases_ = std::move(current);
  watcher_.emplace(client_, dir_,
                   etcd::client::WatchOptions{.after_index = index, .recursive = true});
  return events;
}

std::vector<LeaseEvent> LeaseWatcher::apply_resync(const etcd::client::WatchEvent& event) {
  std::vector<Lease> leases;
  if (event.key_exists) leases = leases_from_dir(event.response.node);
  auto current = others(leases);
  auto events = diff_leases(leases_, current);
  leases_ = std::move(current);
  return events;
}

std::vector<LeaseEvent> LeaseWatcher::remove_all() {
  std::vector<LeaseEvent> events;
  for (const auto& [subnet, lease] : leases_)
    events.push_back({LeaseEvent::removed, lease});
  leases_.clear();
  if (own_) note_own({OwnLeaseChange::revoked, {}, "deleted"});
  return events;
}

std::vector<LeaseEvent> LeaseWatcher::apply_event(const etcd::client::Response& event) {
  const etcd::client::Node& node = event.node;
  if (node.dir || node.key.size() <= dir_.size()) {
    // The subnets directory or an ancestor went away (etcd tells watchers below a deleted
    // directory too): every lease went with it.
    const bool at_or_above = node.key == dir_ || dir_.rfind(node.key + "/", 0) == 0;
    return is_removal(event.action) && at_or_above ? remove_all() : std::vector<LeaseEvent>{};
  }
  auto subnet = parent_of(node.key) == dir_ ? subnet_from_key(node.key) : std::nullopt;
  if (!subnet) {
    spdlog::warn("Ignoring bad subnet node {}", node.key);
    return {};
  }
  if (is_own(*subnet)) {
    note_own(own_lease_change(event.action, node, own_->attrs.public_ip));
    if (own_) return {};
    // Revoked: the event is now an ordinary change of another host's subnet.
  }
  auto cached = leases_.find(*subnet);
  std::optional<Lease> lease;
  if (!is_removal(event.action)) {
    auto parsed = lease_from_node(node);
    if (parsed) lease = std::move(*parsed);
    if (!parsed) spdlog::warn("Ignoring bad subnet node {}: {}", node.key, parsed.error());
  }
  if (lease) {
    leases_[*subnet] = *lease;
    return {LeaseEvent{LeaseEvent::added, std::move(*lease)}};
  }
  if (cached == leases_.end()) return {};
  LeaseEvent removed{LeaseEvent::removed, cached->second};
  leases_.erase(cached);
  return {std::move(removed)};
}

// Records a change of our own lease for own_change(); an unchanged lease is no news.
void LeaseWatcher::note_own(OwnLeaseChange change) {
  if (change.kind == OwnLeaseChange::updated) {
    if (same_lease(*own_, change.lease)) return;
    own_ = change.lease;
  } else {
    spdlog::warn("Lease has been revoked ({})", change.reason);
    own_.reset();  // nothing of ours left to filter until set_own()
  }
  own_change_ = std::move(change);
}

}  // namespace corestack::flannel
