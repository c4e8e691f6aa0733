// The step() prelude shared by all roles, elections, and the follower and candidate roles.
#include <algorithm>

#include "etcd/common/assert.h"
#include "etcd/raft/raft.h"

namespace etcd::raft {
namespace {

// Marks votes requested by a leadership transfer: they may interrupt a live leader's lease.
const char kCampaignTransfer[] = "CampaignTransfer";

MessageType vote_response_type(MessageType t) {
  return t == MessageType::pre_vote ? MessageType::pre_vote_resp : MessageType::vote_resp;
}

}  // namespace

Result<void> Raft::step(Message m) {
  if (!handle_message_term(m)) return Ok{};
  switch (m.type) {
    case MessageType::hup:
      hup(pre_vote_ ? CampaignType::pre_election : CampaignType::election);
      return Ok{};
    case MessageType::vote:
    case MessageType::pre_vote:
      handle_vote_request(m);
      return Ok{};
    default:
      break;
  }
  switch (role_) {
    case Role::leader: return step_leader(m);
    case Role::candidate:
    case Role::pre_candidate: return step_candidate(m);
    case Role::follower: return step_follower(m);
  }
  return Ok{};
}

// Raft §3.3: adopt higher terms, answer stale ones. Returns false when m is fully handled.
bool Raft::handle_message_term(const Message& m) {
  if (m.term == Term{0}) return true;  // local message, or a forwarded proposal/read
  if (m.term > term_) {
    if (m.type == MessageType::vote || m.type == MessageType::pre_vote) {
      const bool forced = m.context == kCampaignTransfer;
      // A leader handing over after its removal keeps its lease even without CheckQuorum:
      // until the others have its log it is the only member that can lead.
      const bool in_lease = (check_quorum_ || handing_over_) && lead_ != kNoNode &&
                            election_elapsed_ < election_ticks_;
      // §4.2.3: a server that heard from a leader within the minimum election timeout
      // neither updates its term nor grants its vote (protects against removed servers).
      if (!forced && in_lease) {
        log_line(LogLevel::info, "ignored vote request from " + hex(m.from) +
                                     ": leader lease still valid");
        return false;
      }
    }
    if (m.type == MessageType::pre_vote) {
      // Never change our term in response to a PreVote.
    } else if (m.type == MessageType::pre_vote_resp && !m.reject) {
      // Granted pre-votes carry the future term we asked for; the term moves only when
      // the real election starts.
    } else {
      const bool from_leader = m.type == MessageType::append ||
                               m.type == MessageType::heartbeat ||
                               m.type == MessageType::snapshot;
      become_follower(m.term, from_leader ? m.from : kNoNode);
    }
    return true;
  }
  if (m.term < term_) {
    if (m.type == MessageType::heartbeat || m.type == MessageType::append) {
      // A stale leader (or one cut off while we bumped our term) learns our term from this
      // response (Raft Figure 2). etcd raft answers only with PreVote or CheckQuorum on,
      // counting on our own vote requests otherwise; a learner never campaigns, so it
      // would be stranded at its higher term (simulator seed 8374).
      send(Message{.type = MessageType::append_resp, .to = m.from});
    } else if (m.type == MessageType::pre_vote || m.type == MessageType::vote) {
      // Raft Figure 2: a RequestVote from an older term is refused with our term, so a
      // candidate that fell behind learns it and can win later (simulator seed 5673).
      const MessageType resp =
          m.type == MessageType::vote ? MessageType::vote_resp : MessageType::pre_vote_resp;
      send(Message{.type = resp, .to = m.from, .term = term_, .reject = true});
    }
    return false;
  }
  return true;
}

void Raft::handle_vote_request(const Message& m) {
  // §3.4: grant if this repeats our vote, or we have not voted and know no leader in this
  // term, or it is a PreVote for a future term — and the candidate's log is up to date
  // (§3.6.1, the election restriction).
  const bool can_vote = vote_ == m.from || (vote_ == kNoNode && lead_ == kNoNode) ||
                        (m.type == MessageType::pre_vote && m.term > term_);
  if (can_vote && log_.is_up_to_date(m.index, m.log_term)) {
    send(Message{.type = vote_response_type(m.type), .to = m.from, .term = m.term});
    if (m.type == MessageType::vote) {
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    send(Message{.type = vote_response_type(m.type), .to = m.from, .term = term_, .reject = true});
    yield_to_better_candidate(m);
  }
}

// We voted for ourselves in this term and a candidate with a log at least as up to date asks
// too: it is the better leader. Restarting our election timer lets it reach the next term
// before we do. Without PreVote, two voters that each see only the other's rejections (one
// runs an older configuration and sends its requests elsewhere) otherwise campaign in
// lockstep, the one with the stale log always a term ahead (simulator seed 22105).
// Timers only: no vote or term changes, so safety is untouched.
void Raft::yield_to_better_candidate(const Message& m) {
  if (m.type != MessageType::vote || m.term != term_ || vote_ != id_ || role_ == Role::leader) {
    return;
  }
  if (!log_.is_up_to_date(m.index, m.log_term)) return;
  election_elapsed_ = 0;
  reset_randomized_election_timeout();
}

void Raft::hup(CampaignType type) {
  if (role_ == Role::leader) return;
  if (!promotable()) {
    log_line(LogLevel::warn, "is unpromotable and can not campaign");
    return;
  }
  if (has_pending_conf_change_to_apply()) {
    log_line(LogLevel::warn, "cannot campaign: a committed conf change is not applied yet");
    return;
  }
  campaign(type);
}

void Raft::campaign(CampaignType type) {
  Term term;
  MessageType request;
  if (type == CampaignType::pre_election) {
    become_pre_candidate();
    request = MessageType::pre_vote;
    term = term_ + 1;  // PreVote asks for the term we would use
  } else {
    become_candidate();
    request = MessageType::vote;
    term = term_;
  }
  if (poll(id_, vote_response_type(request), true) == VoteResult::won) {
    // Single-voter cluster: won by our own vote.
    if (type == CampaignType::pre_election) {
      campaign(CampaignType::election);
    } else {
      become_leader();
    }
    return;
  }
  for (NodeId voter : tracker_.voters()) {
    if (voter == id_) continue;
    send(Message{.type = request, .to = voter, .term = term, .log_term = log_.last_term(),
                 .index = log_.last_index(),
                 .context = type == CampaignType::transfer ? kCampaignTransfer : ""});
  }
}

VoteResult Raft::poll(NodeId id, MessageType type, bool granted) {
  log_line(LogLevel::info, std::string("received ") + to_string(type) +
                               (granted ? "" : " rejection") + " from " +
                               hex(id));
  tracker_.record_vote(id, granted);
  return tracker_.tally_votes();
}

Result<void> Raft::step_candidate(Message& m) {
  const MessageType my_vote_response =
      role_ == Role::pre_candidate ? MessageType::pre_vote_resp : MessageType::vote_resp;
  switch (m.type) {
    case MessageType::propose:
      return Error{"proposal dropped: no leader", kErrProposalDropped};
    case MessageType::append:
      become_follower(m.term, m.from);  // m.term == term_ here
      handle_append_entries(m);
      break;
    case MessageType::heartbeat:
      become_follower(m.term, m.from);
      handle_heartbeat(m);
      break;
    case MessageType::snapshot:
      become_follower(m.term, m.from);
      handle_snapshot(m);
      break;
    default:
      if (m.type != my_vote_response) break;
      switch (poll(m.from, m.type, !m.reject)) {
        case VoteResult::won:
          if (role_ == Role::pre_candidate) {
            campaign(CampaignType::election);
          } else {
            become_leader();
            broadcast_append();
          }
          break;
        case VoteResult::lost:
          // A pre-vote rejection carries a term in our future; keep ours.
          become_follower(term_, kNoNode);
          break;
        case VoteResult::pending: break;
      }
  }
  return Ok{};
}

Result<void> Raft::step_follower(Message& m) {
  switch (m.type) {
    case MessageType::propose:
      if (lead_ == kNoNode) return Error{"proposal dropped: no leader", kErrProposalDropped};
      if (disable_proposal_forwarding_) {
        return Error{"proposal dropped: forwarding disabled", kErrProposalDropped};
      }
      m.to = lead_;
      send(std::move(m));
      break;
    case MessageType::append:
      election_elapsed_ = 0;
      lead_ = m.from;
      handle_append_entries(m);
      break;
    case MessageType::heartbeat:
      election_elapsed_ = 0;
      lead_ = m.from;
      handle_heartbeat(m);
      break;
    case MessageType::snapshot:
      election_elapsed_ = 0;
      lead_ = m.from;
      handle_snapshot(m);
      break;
    case MessageType::transfer_leader:
    case MessageType::read_index:
      if (lead_ == kNoNode) break;  // dropped; the caller retries
      m.to = lead_;
      send(std::move(m));
      break;
    case MessageType::timeout_now:
      // §3.10: the leader asks us to campaign now; skip PreVote, the cluster is healthy.
      log_line(LogLevel::info, "received timeout_now, campaigning to take over leadership");
      hup(CampaignType::transfer);
      break;
    case MessageType::read_index_resp:
      if (m.entries.size() != 1) break;
      read_states_.push_back(ReadState{m.index, m.entries.front().data});
      break;
    default: break;
  }
  return Ok{};
}

void Raft::handle_append_entries(const Message& m) {
  if (m.index < log_.committed()) {
    send(Message{.type = MessageType::append_resp, .to = m.from, .index = log_.committed()});
    return;
  }
  if (auto last_new = log_.maybe_append(m.index, m.log_term, m.commit, m.entries)) {
    send(Message{.type = MessageType::append_resp, .to = m.from, .index = *last_new});
    return;
  }
  // §5.3 optimisation: hint the largest (index, term) with term <= the leader's log_term at
  // or below m.index, so the leader skips a whole divergent term in one round trip.
  const Index probe = std::min(m.index, log_.last_index());
  const auto [hint_index, hint_term] = log_.find_conflict_by_term(probe, m.log_term);
  send(Message{.type = MessageType::append_resp, .to = m.from, .index = m.index,
               .reject = true, .reject_hint = hint_index, .reject_hint_term = hint_term});
}

void Raft::handle_heartbeat(const Message& m) {
  log_.commit_to(m.commit);
  send(Message{.type = MessageType::heartbeat_resp, .to = m.from, .context = m.context});
}

void Raft::handle_snapshot(const Message& m) {
  ETCD_ASSERT(m.snapshot.has_value(), "snapshot message without a snapshot");
  const Index reply_index = restore(*m.snapshot) ? log_.last_index() : log_.committed();
  send(Message{.type = MessageType::append_resp, .to = m.from, .index = reply_index});
}

bool Raft::restore(const Snapshot& s) {
  if (s.metadata.index <= log_.committed()) return false;
  if (role_ != Role::follower) {
    // Defence in depth: never let a leader or candidate install a snapshot.
    become_follower(term_ + 1, kNoNode);
    return false;
  }
  const auto& cs = s.metadata.conf_state;
  const bool member = std::find(cs.voters.begin(), cs.voters.end(), id_) != cs.voters.end() ||
                      std::find(cs.learners.begin(), cs.learners.end(), id_) != cs.learners.end();
  if (!member) {
    log_line(LogLevel::warn, "ignoring a snapshot whose configuration does not include us");
    return false;
  }
  if (log_.match_term(s.metadata.index, s.metadata.term)) {
    // We already have that entry: fast-forward the commit instead of discarding the log.
    log_.commit_to(s.metadata.index);
    return false;
  }
  log_line(LogLevel::info, "restoring snapshot at index " + std::to_string(s.metadata.index.value));
  log_.restore(s);
  tracker_.apply_conf_state(cs, log_.last_index() + 1);
  Progress* self = tracker_.find(id_);
  is_learner_ = self->is_learner;
  self->maybe_update(self->next - 1);
  return true;
}

}  // namespace etcd::raft
