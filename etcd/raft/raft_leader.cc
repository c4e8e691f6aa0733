// The leader role: proposals, replication and flow control, commit, ReadIndex,
// CheckQuorum and leadership transfer.
#include <algorithm>

#include "etcd/common/assert.h"
#include "etcd/raft/raft.h"

namespace etcd::raft {

Result<void> Raft::step_leader(Message& m) {
  switch (m.type) {
    case MessageType::beat:
      broadcast_heartbeat(read_only_.last_pending_request_ctx());
      return Ok{};
    case MessageType::check_quorum:
      leader_check_quorum();
      return Ok{};
    case MessageType::propose: return leader_propose(m);
    case MessageType::read_index:
      leader_read_index(m);
      return Ok{};
    default: break;
  }
  Progress* pr = tracker_.find(m.from);
  if (pr == nullptr) return Ok{};  // not (or no longer) a member
  switch (m.type) {
    case MessageType::append_resp: leader_append_response(m, *pr); break;
    case MessageType::heartbeat_resp: leader_heartbeat_response(m, *pr); break;
    case MessageType::snap_status:
      if (pr->state != ProgressState::snapshot) break;
      // On failure forget the snapshot so probing restarts from match, not from it.
      if (m.reject) pr->pending_snapshot = Index{0};
      pr->become_probe();
      // Wait for the follower's answer (or a heartbeat interval) before the next append.
      pr->probe_sent = true;
      break;
    case MessageType::unreachable:
      // An optimistic pipeline to an unreachable peer has probably lost messages.
      if (pr->state == ProgressState::replicate) pr->become_probe();
      break;
    case MessageType::transfer_leader: leader_transfer(m, *pr); break;
    default: break;
  }
  return Ok{};
}

Result<void> Raft::leader_propose(Message& m) {
  ETCD_ASSERT(!m.entries.empty(), "proposal without entries");
  if (tracker_.find(id_) == nullptr) {
    return Error{"proposal dropped: leader was removed", kErrProposalDropped};
  }
  if (lead_transferee_ != kNoNode) {
    return Error{"proposal dropped: leadership transfer in progress", kErrProposalDropped};
  }
  for (size_t i = 0; i < m.entries.size(); ++i) {
    Entry& e = m.entries[i];
    if (e.type != EntryType::conf_change) continue;
    if (pending_conf_index_ > log_.applied()) {
      // One change at a time (§4.1): a forwarded change becomes a no-op; a local caller was
      // already refused by RawNode.
      log_line(LogLevel::info, "dropping conf change: one is already pending");
      e = Entry{};
    } else {
      pending_conf_index_ = log_.last_index() + (i + 1);
    }
  }
  if (!append_entries(std::move(m.entries))) {
    return Error{"proposal dropped: uncommitted entries over quota", kErrProposalDropped};
  }
  broadcast_append();
  return Ok{};
}

void Raft::leader_check_quorum() {
  if (Progress* self = tracker_.find(id_)) self->recent_active = true;
  // §6.2: a leader that cannot reach a quorum within an election timeout steps down, so
  // clients stop waiting on it and reads cannot be served from a deposed leader.
  if (!tracker_.quorum_active(id_) && !handing_over_) {
    log_line(LogLevel::warn, "stepped down: quorum is not active");
    become_follower(term_, kNoNode);
    return;
  }
  for (auto& [id, pr] : tracker_.all()) {
    if (id != id_) pr.recent_active = false;
  }
}

void Raft::leader_append_response(const Message& m, Progress& pr) {
  pr.recent_active = true;
  if (m.reject) {
    Index next_probe = m.reject_hint;
    if (m.reject_hint_term > Term{0}) {
      next_probe = log_.find_conflict_by_term(m.reject_hint, m.reject_hint_term).first;
    }
    if (pr.maybe_decrease_to(m.index, next_probe)) {
      if (pr.state == ProgressState::replicate) pr.become_probe();
      send_append(m.from);
    }
    return;
  }
  const bool was_paused = pr.is_paused();
  if (!pr.maybe_update(m.index)) return;
  if (pr.state == ProgressState::probe) {
    pr.become_replicate();
  } else if (pr.state == ProgressState::snapshot && pr.match >= pr.pending_snapshot) {
    pr.become_probe();
    pr.become_replicate();
  } else if (pr.state == ProgressState::replicate) {
    pr.inflights.free_le(m.index);
  }
  if (maybe_commit()) {
    release_pending_read_index_messages();
    broadcast_append();
  } else if (was_paused) {
    send_append(m.from);  // it may have missed the latest commit index
  }
  // Flow control may now allow several messages at once.
  while (maybe_send_append(m.from, false)) {
  }
  if (m.from == lead_transferee_ && pr.match == log_.last_index()) send_timeout_now(m.from);
  maybe_finish_handover();
}

void Raft::leader_heartbeat_response(const Message& m, Progress& pr) {
  pr.recent_active = true;
  pr.probe_sent = false;
  // Free one slot so a full window cannot stall the follower forever.
  if (pr.state == ProgressState::replicate && pr.inflights.full()) pr.inflights.free_first_one();
  if (pr.match < log_.last_index()) send_append(m.from);
  if (read_only_.option() != ReadOnlyOption::safe || m.context.empty()) return;
  const auto* acks = read_only_.recv_ack(m.from, m.context);
  if (acks == nullptr || !tracker_.has_quorum(*acks)) return;
  for (const auto& status : read_only_.advance(m.context)) {
    respond_to_read_index(status.request, status.index);
  }
}

void Raft::leader_transfer(const Message& m, const Progress& pr) {
  const NodeId transferee = m.from;
  if (pr.is_learner) {
    log_line(LogLevel::info, "ignored transfer to a learner");
    return;
  }
  if (lead_transferee_ != kNoNode) {
    // One transfer at a time: refuse rather than silently replacing the pending one.
    log_line(LogLevel::info, "refused transfer to " + hex(transferee) +
                                 ": transfer to " + hex(lead_transferee_) +
                                 " pending");
    return;
  }
  if (transferee == id_) return;  // already leader
  // The transfer must finish within an election timeout (§3.10).
  election_elapsed_ = 0;
  lead_transferee_ = transferee;
  log_line(LogLevel::info, "transferring leadership to " + hex(transferee));
  if (pr.match == log_.last_index()) {
    send_timeout_now(transferee);
  } else {
    send_append(transferee);  // catch it up first
  }
}

void Raft::leader_read_index(const Message& m) {
  if (tracker_.voters().size() == 1 && tracker_.is_voter(id_)) {
    respond_to_read_index(m, log_.committed());
    return;
  }
  // §6.4: the read index is only valid once this leader has committed an entry of its
  // term (its commit index is then at least as new as any earlier leader's).
  if (!committed_entry_in_current_term()) {
    pending_read_index_messages_.push_back(m);
    return;
  }
  send_read_index_response(m);
}

void Raft::send_read_index_response(const Message& m) {
#if ETCD_RAFT_BUG == 4
  respond_to_read_index(m, log_.committed());  // injected bug: no leadership confirmation
  return;
#endif
  if (read_only_.option() == ReadOnlyOption::lease_based) {
    respond_to_read_index(m, log_.committed());
    return;
  }
  read_only_.add_request(log_.committed(), m);
  read_only_.recv_ack(id_, m.entries.front().data);  // the leader acks itself
  broadcast_heartbeat(m.entries.front().data);
}

void Raft::respond_to_read_index(const Message& request, Index read_index) {
  if (request.from == kNoNode || request.from == id_) {
    read_states_.push_back(ReadState{read_index, request.entries.front().data});
    return;
  }
  send(Message{.type = MessageType::read_index_resp, .to = request.from, .index = read_index,
               .entries = request.entries});
}

void Raft::release_pending_read_index_messages() {
  if (pending_read_index_messages_.empty() || !committed_entry_in_current_term()) return;
  auto pending = std::move(pending_read_index_messages_);
  pending_read_index_messages_.clear();
  for (const auto& m : pending) send_read_index_response(m);
}

bool Raft::committed_entry_in_current_term() const {
  return log_.term_or_zero(log_.committed()) == term_;
}

void Raft::send_timeout_now(NodeId to) {
  send(Message{.type = MessageType::timeout_now, .to = to});
}

void Raft::leader_after_conf_change() {
  if (tracker_.voters().empty()) return;
  if (maybe_commit()) {
    broadcast_append();
  } else {
    // Probe new members now instead of waiting for the next proposal or heartbeat.
    for (auto& [id, pr] : tracker_.all()) {
      if (id != id_) maybe_send_append(id, false);
    }
  }
  if (lead_transferee_ != kNoNode && !tracker_.is_voter(lead_transferee_)) {
    abort_leader_transfer();
  }
}

void Raft::begin_handover_after_removal() {
  // Stepping down at once could strand the remaining voters: they may not yet know the
  // removal is committed (so they still need our vote) while our longer log makes us
  // refuse it (simulator seed 1012). Keep leading until they have our whole log.
  log_line(LogLevel::info, "removed from the configuration: handing leadership over");
  handing_over_ = true;
  election_elapsed_ = 0;
  if (tracker_.voters().empty()) {
    become_follower(term_, kNoNode);
    return;
  }
  broadcast_append();
  maybe_finish_handover();
}

void Raft::maybe_finish_handover() {
  if (!handing_over_) return;
  NodeId best = kNoNode;
  Index best_match;
  for (NodeId id : tracker_.voters()) {
    const Progress* pr = tracker_.find(id);
    if (best == kNoNode || pr->match > best_match) {
      best = id;
      best_match = pr->match;
    }
  }
  if (best == kNoNode || best_match < log_.last_index()) return;
  // It has everything we have, the removal included: let it campaign right away.
  send_timeout_now(best);
  log_line(LogLevel::info, "stepping down: removed; leadership handed to " + hex(best));
  become_follower(term_, kNoNode);
}

}  // namespace etcd::raft
