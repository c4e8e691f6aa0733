#include "etcd/raft/raft.h"

#include <algorithm>
#include <cstdio>

#include "etcd/common/assert.h"
#include "etcd/raft/codec.h"

namespace etcd::raft {

const char* to_string(Role role) {
  switch (role) {
    case Role::follower: return "follower";
    case Role::pre_candidate: return "pre-candidate";
    case Role::candidate: return "candidate";
    case Role::leader: return "leader";
  }
  return "unknown";
}

Raft::Raft(const Config& c)
    : id_(c.id),
      log_(*c.storage, c.max_committed_size_per_ready_bytes),
      tracker_(static_cast<size_t>(c.max_inflight_msgs)),
      read_only_(c.read_only_option),
      election_ticks_(c.election_ticks),
      heartbeat_ticks_(c.heartbeat_ticks),
      check_quorum_(c.check_quorum),
      pre_vote_(c.pre_vote),
      disable_proposal_forwarding_(c.disable_proposal_forwarding),
      max_msg_bytes_(c.max_size_per_msg_bytes),
      max_uncommitted_bytes_(c.max_uncommitted_entries_bytes),
      rng_(c.rng),
      logger_(c.logger) {
  ETCD_ASSERT(c.validate().ok(), "invalid raft config");
  const InitialState initial = c.storage->initial_state();
  tracker_.apply_conf_state(initial.conf_state, log_.last_index() + 1);
  if (auto* self = tracker_.find(id_)) is_learner_ = self->is_learner;
  if (!initial.hard_state.empty()) load_state(initial.hard_state);
  if (c.applied > Index{0}) log_.applied_to(c.applied);
  become_follower(term_, kNoNode);
}

void Raft::load_state(const HardState& state) {
  ETCD_ASSERT(state.commit >= log_.committed() && state.commit <= log_.last_index(),
              "hard state commit is out of range");
  log_.commit_to(state.commit);
  term_ = state.term;
  vote_ = state.vote;
}

std::string hex(NodeId id) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%lx", static_cast<unsigned long>(id.value));
  return buf;
}

void Raft::log_line(LogLevel level, const std::string& text) const {
  if (logger_ == nullptr) return;
  logger_->log(level, hex(id_) + " [term " + std::to_string(term_.value) + "] " + text);
}

bool Raft::has_pending_conf_change_to_apply() const {
  if (log_.committed() <= log_.applied()) return false;
  auto entries = log_.slice(log_.applied() + 1, log_.committed() + 1, UINT64_MAX);
  if (!entries.ok()) return false;
  for (const auto& e : *entries) {
    if (e.type == EntryType::conf_change) return true;
  }
  return false;
}

void Raft::reset(Term term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNoNode;
  }
  lead_ = kNoNode;
  handing_over_ = false;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  reset_randomized_election_timeout();
  abort_leader_transfer();
  tracker_.reset_votes();
  tracker_.reset_progress(id_, log_.last_index());
  pending_conf_index_ = Index{0};
  uncommitted_bytes_ = 0;
  read_only_.clear();
  pending_read_index_messages_.clear();
}

void Raft::become_follower(Term term, NodeId lead) {
  reset(term);
  lead_ = lead;
  role_ = Role::follower;
  log_line(LogLevel::info, "became follower, leader " + hex(lead));
}

void Raft::become_pre_candidate() {
  ETCD_ASSERT(role_ != Role::leader, "invalid transition leader -> pre-candidate");
  // PreVote (§9.6): neither the term nor the vote changes until the pre-election is won.
  tracker_.reset_votes();
  lead_ = kNoNode;
  role_ = Role::pre_candidate;
  log_line(LogLevel::info, "became pre-candidate");
}

void Raft::become_candidate() {
  ETCD_ASSERT(role_ != Role::leader, "invalid transition leader -> candidate");
  reset(term_ + 1);
  vote_ = id_;
  role_ = Role::candidate;
  log_line(LogLevel::info, "became candidate");
}

void Raft::become_leader() {
  ETCD_ASSERT(role_ != Role::follower, "invalid transition follower -> leader");
  reset(term_);
  lead_ = id_;
  role_ = Role::leader;
  tracker_.find(id_)->become_replicate();
  // The no-op of the new term (§8): until it is applied no conf change may be proposed, so
  // a leader never changes membership before committing an entry of its own term (the fix
  // for the single-server membership change bug, Ongaro raft-dev 2015).
  pending_conf_index_ = log_.last_index() + 1;
  const bool appended = append_entries({Entry{}});
  ETCD_ASSERT(appended, "the empty entry must always be accepted");
  log_line(LogLevel::info, "became leader");
}

void Raft::tick() {
  if (role_ == Role::leader) {
    tick_heartbeat();
  } else {
    tick_election();
  }
}

void Raft::tick_election() {
  ++election_elapsed_;
  if (promotable() && past_election_timeout()) {
    election_elapsed_ = 0;
    (void)step(Message{.type = MessageType::hup, .from = id_});
  }
}

void Raft::tick_heartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= election_ticks_) {
    election_elapsed_ = 0;
    if (check_quorum_) (void)step(Message{.type = MessageType::check_quorum, .from = id_});
    // A transfer that did not finish within an election timeout is abandoned (§3.10).
    if (role_ == Role::leader && lead_transferee_ != kNoNode) abort_leader_transfer();
  }
  if (role_ != Role::leader) return;
  if (heartbeat_elapsed_ >= heartbeat_ticks_) {
    heartbeat_elapsed_ = 0;
    (void)step(Message{.type = MessageType::beat, .from = id_});
  }
}

bool Raft::promotable() const {
  const Progress* self = tracker_.find(id_);
  return self != nullptr && !self->is_learner && !log_.unstable_snapshot().has_value();
}

bool Raft::past_election_timeout() const {
  return election_elapsed_ >= randomized_election_ticks_;
}

void Raft::reset_randomized_election_timeout() {
  // §3.4: randomized in [T, 2T) so that split votes are rare.
  randomized_election_ticks_ =
      election_ticks_ + static_cast<int>(rng_->below(static_cast<uint64_t>(election_ticks_)));
}

bool Raft::increase_uncommitted_size(const std::vector<Entry>& entries) {
  uint64_t bytes = 0;
  for (const auto& e : entries) bytes += payload_size(e);
  // Always allow one entry when nothing is outstanding, however large.
  if (uncommitted_bytes_ > 0 && bytes > 0 && max_uncommitted_bytes_ > 0 &&
      uncommitted_bytes_ + bytes > max_uncommitted_bytes_) {
    return false;
  }
  uncommitted_bytes_ += bytes;
  return true;
}

void Raft::reduce_uncommitted_size(const std::vector<Entry>& entries) {
  if (uncommitted_bytes_ == 0) return;  // fast path for followers
  uint64_t bytes = 0;
  for (const auto& e : entries) bytes += payload_size(e);
  // Entries from an earlier term may be committed here too: never go below zero.
  uncommitted_bytes_ = bytes > uncommitted_bytes_ ? 0 : uncommitted_bytes_ - bytes;
}

void Raft::advance(const Ready& rd) {
  reduce_uncommitted_size(rd.committed_entries);
  if (!rd.committed_entries.empty()) {
    log_.applied_to(rd.committed_entries.back().index);
  } else if (rd.snapshot) {
    log_.applied_to(rd.snapshot->metadata.index);
  }
  if (!rd.entries_to_persist.empty()) {
    const Entry& last = rd.entries_to_persist.back();
    log_.stable_to(last.index, last.term);
  }
  if (rd.snapshot) log_.stable_snapshot_to(rd.snapshot->metadata.index);
}

void Raft::bootstrap(const std::vector<ConfChange>& peers) {
  // etcd raft Bootstrap(): the initial membership is ordinary committed conf changes at
  // term 1, so members learn it the same way they learn later changes (the application
  // applies these entries again; adding a voter twice is harmless).
  become_follower(Term{1}, kNoNode);
  std::vector<Entry> entries;
  for (size_t i = 0; i < peers.size(); ++i) {
    entries.push_back(Entry{Term{1}, Index{i + 1}, EntryType::conf_change, encode(peers[i])});
  }
  log_.append(entries);
  log_.commit_to(Index{peers.size()});
  for (const auto& peer : peers) apply_conf_change(peer);
}

ConfState Raft::apply_conf_change(const ConfChange& cc) {
  // New members start at our last index (not after it) so the first probe carries an
  // entry and goes out at once instead of waiting for a heartbeat (etcd confchange).
  const Index next = std::max(log_.last_index(), Index{1});
  switch (cc.type) {
    case ConfChangeType::add_node: tracker_.add_voter(cc.node_id, next); break;
    case ConfChangeType::add_learner: tracker_.add_learner(cc.node_id, next); break;
    case ConfChangeType::remove_node: tracker_.remove(cc.node_id); break;
    case ConfChangeType::update_node: break;
  }
  const Progress* self = tracker_.find(id_);
  is_learner_ = self != nullptr && self->is_learner;
  if (role_ == Role::leader) {
    if (self == nullptr || is_learner_) {
      begin_handover_after_removal();
    } else {
      leader_after_conf_change();
    }
  }
  return tracker_.conf_state();
}

}  // namespace etcd::raft
