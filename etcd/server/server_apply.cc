// Applying committed entries: v2 requests into the store, member attributes and conf
// changes into the membership, all in one store batch per Ready.
#include <spdlog/spdlog.h>

#include "etcd/auth/auth.h"
#include "etcd/raft/codec.h"
#include "etcd/server/persisted_state.h"
#include "etcd/server/server_core.h"

namespace etcd::server {
namespace {

// Group commit bounds: the store writes its pages to disk at most this late, and its open
// transaction never holds more entries than this (a crash replays them from the WAL).
constexpr int64_t kStoreFlushIntervalNs = 100'000'000;
constexpr uint64_t kStoreFlushEntries = 10'000;
// SQLite's own auto-checkpoint size (4 MiB of pages) starts a background checkpoint; the
// WAL restarts from its beginning after the next FULL one (every compaction snapshot),
// or after one forced here if the WAL grows this large without (--snapshot-count huge).
constexpr int kCheckpointFrames = 1000;
constexpr int kForceFullCheckpointFrames = 16384;

}  // namespace

void ServerCore::maybe_flush_store() {
  if (store_->unflushed_batches() == 0) return;
  const int64_t start = clock_.steady_ns();
  if (start - last_flush_ns_ < kStoreFlushIntervalNs &&
      applied_index_ - store_->flushed_index() < kStoreFlushEntries) {
    return;
  }
  store_->flush();
  last_flush_ns_ = clock_.steady_ns();
  if (options_.metrics) {
    options_.metrics->backend_commit_seconds.observe(static_cast<double>(last_flush_ns_ - start) /
                                                     1e9);
  }
  maybe_checkpoint_store();
}

void ServerCore::maybe_checkpoint_store() {
  if (!checkpointer_) return;
  if (checkpointing_) {
    auto done = checkpoint_call_.poll();
    if (!done) return;
    checkpointing_ = false;
    if (!done->ok()) spdlog::warn("store: background checkpoint: {}", done->error().message);
  }
  const int frames = store_->wal_frames();
  if (frames >= kForceFullCheckpointFrames) {
    store_->make_durable();
  } else if (frames >= kCheckpointFrames) {
    checkpointing_ = true;
    checkpoint_call_.start(
        [checkpointer = checkpointer_.get()] { return checkpointer->checkpoint(); });
  }
}

void ServerCore::wait_for_store_checkpoint() {
  if (!checkpointing_) return;
  checkpointing_ = false;
  if (auto done = checkpoint_call_.wait(); !done.ok()) {
    spdlog::warn("store: background checkpoint: {}", done.error().message);
  }
}

void ServerCore::apply_entries(std::span<const raft::Entry> entries) {
  if (entries.empty()) return;
  store_->begin_batch();
  bool membership_changed = false;
  for (const auto& e : entries) {
    if (e.type == raft::EntryType::conf_change) {
      apply_conf_change(e);
      membership_changed = true;
      store_->advance_index();  // etcd writes /0/members/<id>/raftAttributes
    } else if (apply_normal(e)) {
      membership_changed = true;
      store_->advance_index();  // etcd writes /0/members/<id>/attributes
    }
  }
  // Membership and raft's configuration are durable with the applied index, so a restart
  // resumes exactly at the database's index and never re-applies an entry.
  if (membership_changed) save_membership(*store_, membership_, conf_state_);
  store_->commit_batch(entries.back().index);  // written by maybe_flush_store()
  applied_index_ = entries.back().index;
  applied_term_ = entries.back().term;
  if (membership_changed && on_membership_change) on_membership_change(membership_);
}

bool ServerCore::apply_normal(const raft::Entry& entry) {
  if (entry.data.empty()) return false;  // a new leader's no-op
  auto payload = decode_payload(entry.data);
  if (!payload.ok()) {
    // Every member sees the same bytes, so skipping is consistent; it still is a bug.
    spdlog::error("apply: undecodable entry at index {}: {}", entry.index.value,
                  payload.error().message);
    return false;
  }
  if (auto* request = std::get_if<store::Request>(&*payload)) {
    auto result = store_->apply(*request, entry.index);
    if (auth::in_auth_tree(request->path)) ++auth_generation_;
    auto it = proposals_.find(request->id);
    if (it == proposals_.end()) return false;
    auto done = std::move(it->second);
    proposals_.erase(it);
    done(ApplyResult{std::move(result), entry.index, entry.term});
    return false;
  }
  if (auto* v3 = std::get_if<V3Request>(&*payload)) {
    apply_v3(*v3, entry);
    return false;
  }
  const auto& publish = std::get<PublishAttributes>(*payload);
  if (!membership_.update_attributes(publish.member_id, publish.name, publish.client_urls).ok()) {
    return false;
  }
  if (publish.member_id == options_.id && !published_) {
    published_ = true;
    spdlog::info("published {{name:{} clientURLs:[{}]}} to the cluster", publish.name,
                 fmt::join(publish.client_urls, " "));
  }
  return true;
}

void ServerCore::apply_v3(V3Request& request, const raft::Entry& entry) {
  std::vector<mvcc::Event> events;
  Result<V3Response> result = std::visit(
      [this, &events](auto& op) -> Result<V3Response> {
        using T = std::decay_t<decltype(op)>;
        auto wrap = [](auto r) -> Result<V3Response> {
          if (!r.ok()) return r.error();
          return V3Response{std::move(r).value()};
        };
        if constexpr (std::is_same_v<T, mvcc::PutRequest>) {
          return wrap(kv_->put(op, &events));
        } else if constexpr (std::is_same_v<T, mvcc::DeleteRangeRequest>) {
          return wrap(kv_->delete_range(op, &events));
        } else if constexpr (std::is_same_v<T, mvcc::TxnRequest>) {
          return wrap(kv_->txn(op, &events));
        } else if constexpr (std::is_same_v<T, mvcc::CompactionRequest>) {
          return wrap(kv_->compact(op));
        } else if constexpr (std::is_same_v<T, mvcc::LeaseGrantRequest>) {
          auto granted = kv_->lease_grant(op);
          if (granted.ok() && on_lease_change) on_lease_change(op.id, op.ttl);
          return wrap(std::move(granted));
        } else if constexpr (std::is_same_v<T, mvcc::LeaseRevokeRequest>) {
          auto revoked = kv_->lease_revoke(op, &events);
          if (revoked.ok() && on_lease_change) on_lease_change(op.id, 0);
          return wrap(std::move(revoked));
        } else if constexpr (std::is_same_v<T, mvcc::LeaseRenewRequest>) {
          mvcc::LeaseResponse renewed = kv_->lease_renew(op);
          if (renewed.ttl > 0 && on_lease_change) on_lease_change(op.id, renewed.ttl);
          return V3Response{renewed};
        } else {
          mvcc::AlarmResponse changed = kv_->alarm(op);
          for (const auto& a : changed.alarms) {
            spdlog::warn("alarm {} {} for member {:x}",
                         op.action == mvcc::AlarmAction::kActivate ? "raised" : "cleared",
                         a.alarm == mvcc::AlarmType::kNoSpace ? "NOSPACE" : "CORRUPT", a.member_id);
          }
          return V3Response{std::move(changed)};
        }
      },
      request.op);
  if (!events.empty() && on_v3_events) on_v3_events(events);
  auto it = v3_proposals_.find(request.request_id);
  if (it == v3_proposals_.end()) return;
  auto done = std::move(it->second);
  v3_proposals_.erase(it);
  done(V3ApplyResult{std::move(result), entry.index, entry.term});
}

void ServerCore::apply_conf_change(const raft::Entry& entry) {
  auto cc = raft::decode_conf_change(entry.data);
  if (!cc.ok()) {
    spdlog::error("apply: undecodable conf change at index {}", entry.index.value);
    return;
  }
  auto context = decode_context(cc->context);
  Member member = context.ok() ? context->member : Member{cc->node_id};
  const uint64_t request_id = context.ok() ? context->request_id : 0;
  Result<void> valid = validate_conf_change(*cc, member);
  if (!valid.ok()) {
    // etcd: an invalid change is still handed to raft, as a change to no node.
    cc->node_id = kNoNode;
  }
  if (cc->node_id != kNoNode) conf_state_ = node_.apply_conf_change(*cc);
  if (valid.ok()) {
    switch (cc->type) {
      case raft::ConfChangeType::add_node:
        if (membership_.find(member.id)) {
          (void)membership_.promote(member.id);
        } else {
          (void)membership_.add(member);
        }
        break;
      case raft::ConfChangeType::add_learner:
        (void)membership_.add(member);
        break;
      case raft::ConfChangeType::remove_node:
        (void)membership_.remove(member.id);
        break;
      case raft::ConfChangeType::update_node:
        (void)membership_.update_peer_urls(member.id, member.peer_urls);
        break;
    }
  }
  sync_peers();
  auto it = member_waiters_.find(request_id);
  if (it != member_waiters_.end()) {
    auto done = std::move(it->second);
    member_waiters_.erase(it);
    const Member* now = membership_.find(member.id);
    done(valid.ok() ? Result<Member>(now ? *now : member) : Result<Member>(valid.error()));
  }
  if (cc->type == raft::ConfChangeType::remove_node && cc->node_id == options_.id && !removed_) {
    removed_ = true;
    // A removed leader first hands leadership over (raft keeps leading until the others
    // have its log); stop only once it has.
    if (node_.status().soft_state.role != raft::Role::leader) report_removed();
  }
}

Result<void> ServerCore::validate_conf_change(const raft::ConfChange& cc,
                                              const Member& member) const {
  const Member* existing = membership_.find(cc.node_id);
  if (membership_.is_removed(cc.node_id)) return Error{"membership: ID removed"};
  switch (cc.type) {
    case raft::ConfChangeType::add_node:
      if (existing && !existing->is_learner) return Error{"membership: ID exists"};
      [[fallthrough]];
    case raft::ConfChangeType::add_learner:
      if (existing && cc.type == raft::ConfChangeType::add_learner) {
        return Error{"membership: ID exists"};
      }
      for (const auto& url : member.peer_urls) {
        const Member* owner = membership_.find_by_peer_url(url);
        if (owner && owner->id != cc.node_id) return Error{"membership: peerURL exists"};
      }
      return Ok{};
    case raft::ConfChangeType::remove_node:
    case raft::ConfChangeType::update_node:
      if (!existing) return Error{"membership: member not found"};
      return Ok{};
  }
  return Ok{};
}

void ServerCore::sync_peers() {
  std::map<NodeId, std::vector<std::string>> wanted;
  for (const auto& [id, m] : membership_.members()) {
    if (id != options_.id) wanted.emplace(id, m.peer_urls);
  }
  for (const auto& [id, urls] : seed_peers_) {
    if (id != options_.id && !membership_.is_removed(id)) wanted.emplace(id, urls);
  }
  for (const auto& [id, urls] : peers_) {
    if (!wanted.count(id)) network_.remove_peer(id);
  }
  // After a restart the network has not seen the removals: tell it, so a removed member
  // that comes back is answered 410 and stops.
  for (NodeId id : membership_.removed()) {
    if (id != options_.id && removed_told_.insert(id).second && !peers_.count(id)) {
      network_.remove_peer(id);
    }
  }
  for (const auto& [id, urls] : wanted) {
    auto known = peers_.find(id);
    if (known == peers_.end()) {
      network_.add_peer(id, urls);
    } else if (known->second != urls) {
      network_.update_peer(id, urls);
    }
  }
  peers_ = std::move(wanted);
}

void ServerCore::maybe_publish() {
  ticks_since_publish_ = 0;
  if (published_ || leader_ == kNoNode || removed_) return;
  PublishAttributes publish{next_request_id(), options_.id, options_.name, options_.client_urls};
  (void)node_.propose(encode_payload(publish));  // retried every election timeout until seen
}

}  // namespace etcd::server
