// Membership changes proposed through raft (etcd /v2/members): validated against the
// current membership first, guarded by --strict-reconfig-check, one at a time.
#include <algorithm>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "etcd/raft/codec.h"
#include "etcd/server/server_core.h"

namespace etcd::server {

void ServerCore::add_member(std::vector<std::string> peer_urls, bool learner, MemberCallback done) {
  // Every new member starts as a learner; maybe_promote_learners() makes it a voter once it
  // caught up. `learner` keeps it one (no automatic promotion).
  (void)learner;
  for (const auto& url : peer_urls) {
    if (membership_.find_by_peer_url(url)) return done(Error{"membership: peerURL exists"});
  }
  // etcd's NewMember for a runtime add: no cluster token, but the current time, so re-adding
  // the same URLs later yields a new ID.
  Member member{member_id(peer_urls, "", clock_.now_unix_ns() / 1'000'000'000),
                "",
                std::move(peer_urls),
                {},
                true};
  std::sort(member.peer_urls.begin(), member.peer_urls.end());
  propose_conf_change({raft::ConfChangeType::add_learner, member.id, ""}, std::move(member),
                      std::move(done));
}

void ServerCore::remove_member(NodeId id, MemberCallback done) {
  if (membership_.is_removed(id)) return done(Error{"membership: ID removed"});
  const Member* member = membership_.find(id);
  if (member == nullptr) return done(Error{"membership: member not found"});
  raft::ConfChange cc{raft::ConfChangeType::remove_node, id, ""};
  if (id == leader_ && leader_ != kNoNode && !removal_after_transfer_) {
    // Issue 6: removing the leader hands leadership over first, so the cluster never waits
    // an election timeout for a leader that is going away. A follower asks the leader to
    // hand over to itself (raft forwards the request).
    if (options_.strict_reconfig_check) {
      if (auto ok = check_quorum_after(cc); !ok.ok()) return done(ok.error());
    }
    if (const NodeId to = transfer_target(); to != kNoNode) {
      spdlog::info("removing the leader {:x}: handing leadership to {:x} first", id.value,
                   to.value);
      removal_after_transfer_ = PendingRemoval{*member, std::move(done), 0};
      node_.transfer_leader(to);
      ready_wanted();
      return;
    }
  }
  propose_conf_change(cc, *member, std::move(done));
}

bool ServerCore::hand_over_leadership() {
  if (!is_leader()) return false;
  const NodeId to = transfer_target();
  if (to == kNoNode) return false;
  spdlog::info("stopping: handing leadership to {:x} first", to.value);
  node_.transfer_leader(to);
  ready_wanted();
  return true;
}

Result<void> ServerCore::transfer_leadership(NodeId target) {
  if (!is_leader()) return Error{"etcdserver: not leader"};
  const Member* member = membership_.find(target);
  if (member == nullptr || member->is_learner) return Error{"etcdserver: bad leader transferee"};
  if (target == options_.id) return Ok{};
  spdlog::info("moving leadership to {:x}", target.value);
  node_.transfer_leader(target);
  ready_wanted();
  return Ok{};
}

NodeId ServerCore::transfer_target() const {
  if (!is_leader()) {
    const Member* self = membership_.find(options_.id);
    return self != nullptr && !self->is_learner ? options_.id : kNoNode;
  }
  NodeId best = kNoNode;
  Index best_match{0};
  for (const auto& f : node_.status().progress) {
    const Member* m = membership_.find(f.id);
    // Not only recently active ones: a leader elected a moment ago has not heard from
    // anyone yet. A transfer to a dead member times out and the removal goes ahead anyway.
    if (f.id == options_.id || m == nullptr || m->is_learner) continue;
    if (best == kNoNode || f.match > best_match) {
      best = f.id;
      best_match = f.match;
    }
  }
  return best;
}

// Called every tick while a removal waits for the leadership transfer: propose it once
// another member leads (our proposal is forwarded), or after two election timeouts anyway
// (raft then hands over after the removal, see raft_leader.cc).
void ServerCore::continue_removal_after_transfer() {
  if (!removal_after_transfer_) return;
  auto& pending = *removal_after_transfer_;
  const NodeId removed = pending.member.id;
  const bool handed_over = leader_ != kNoNode && leader_ != removed;
  if (!handed_over && ++pending.ticks < 2 * options_.election_ticks) return;
  PendingRemoval removal = std::move(pending);
  removal_after_transfer_.reset();
  raft::ConfChange cc{raft::ConfChangeType::remove_node, removed, ""};
  propose_conf_change(cc, std::move(removal.member), std::move(removal.done),
                      /*quorum_checked=*/true);
}

void ServerCore::update_member(NodeId id, std::vector<std::string> peer_urls, MemberCallback done) {
  if (membership_.is_removed(id)) return done(Error{"membership: ID removed"});
  const Member* member = membership_.find(id);
  if (member == nullptr) return done(Error{"membership: member not found"});
  for (const auto& url : peer_urls) {
    const Member* owner = membership_.find_by_peer_url(url);
    if (owner && owner->id != id) return done(Error{"membership: peerURL exists"});
  }
  Member updated = *member;
  updated.peer_urls = std::move(peer_urls);
  std::sort(updated.peer_urls.begin(), updated.peer_urls.end());
  propose_conf_change({raft::ConfChangeType::update_node, id, ""}, std::move(updated),
                      std::move(done));
}

void ServerCore::promote_member(NodeId id, MemberCallback done) {
  if (membership_.is_removed(id)) return done(Error{"membership: ID removed"});
  const Member* member = membership_.find(id);
  if (member == nullptr) return done(Error{"membership: member not found"});
  if (!member->is_learner) return done(Error{"membership: member is not a learner"});
  // etcd isLearnerReady: only the leader knows how far the learner got, and a learner
  // below 90% of the leader's log would make the cluster wait for it as a voter.
  if (!is_leader()) return done(Error{"etcdserver: not leader"});
  const raft::Status status = node_.status();
  Index leader_match{0};
  std::optional<Index> learner_match;
  for (const auto& f : status.progress) {
    if (f.id == options_.id) leader_match = f.match;
    if (f.id == id) learner_match = f.match;
  }
  if (!learner_match || learner_match->value * 10 < leader_match.value * 9) {
    return done(
        Error{"etcdserver: can only promote a learner member which is in sync with leader"});
  }
  propose_conf_change({raft::ConfChangeType::add_node, id, ""}, *member, std::move(done));
}

// --strict-reconfig-check (etcd IsReadyToAddVotingMember / IsReadyToRemoveVotingMember,
// plus health): after the change, the voters that run (published their name) and — as far
// as the leader can tell — answer (recently active) must still form a quorum.
Result<void> ServerCore::check_quorum_after(const raft::ConfChange& cc) const {
  if (cc.type == raft::ConfChangeType::add_learner ||
      cc.type == raft::ConfChangeType::update_node) {
    return Ok{};  // quorum is unchanged
  }
  // Health as the leader sees it: heard from lately. Not raft's recent_active, which a new
  // leader and every CheckQuorum round reset until the next heartbeat response.
  const bool leader = is_leader();
  size_t voters = 0;
  size_t healthy = 0;
  for (const auto& [id, m] : membership_.members()) {
    bool voter_after =
        !m.is_learner || (cc.type == raft::ConfChangeType::add_node && id == cc.node_id);
    if (cc.type == raft::ConfChangeType::remove_node && id == cc.node_id) voter_after = false;
    if (!voter_after) continue;
    ++voters;
    if (!m.name.empty() && (!leader || heard_recently(id))) ++healthy;
  }
  if (cc.type == raft::ConfChangeType::add_node && !membership_.find(cc.node_id)) ++voters;
  // Growing a one-member cluster (e.g. restoring from a backup) is always allowed.
  if (cc.type == raft::ConfChangeType::add_node && healthy == 1 && voters == 2) return Ok{};
  if (healthy < voters / 2 + 1) {
    return Error{cc.type == raft::ConfChangeType::remove_node
                     ? "etcdserver: unhealthy cluster: removing this member would leave too few "
                       "healthy members for a quorum"
                     : "etcdserver: re-configuration failed due to not enough started members"};
  }
  return Ok{};
}

void ServerCore::propose_conf_change(raft::ConfChange cc, Member member, MemberCallback done,
                                     bool quorum_checked) {
  conf_changes_waiting_.push_back({std::move(cc), std::move(member), std::move(done),
                                   quorum_checked, options_.conf_change_wait_ticks});
  propose_waiting_conf_changes();
}

// Raft takes one membership change at a time, and a new leader none until the first entry
// of its term is applied (raft.cc, become_leader). A follower forwards only once it has
// applied an entry of the current term: the leader turns a change it cannot take into a
// no-op, which would leave the client waiting for nothing.
bool ServerCore::conf_change_must_wait() const {
  if (is_leader()) return node_.has_pending_conf_change();
  return leader_ != kNoNode && applied_term_ < term();
}

// Called when a change is queued, after each Ready and on each tick.
void ServerCore::propose_waiting_conf_changes() {
  while (!conf_changes_waiting_.empty() && !conf_change_must_wait()) {
    WaitingConfChange& front = conf_changes_waiting_.front();
    // Checked now, not when queued: the change before it may have altered the quorum.
    Result<void> quorum = Ok{};
    if (options_.strict_reconfig_check && !front.quorum_checked) {
      quorum = check_quorum_after(front.cc);
      // A leader of less than an election timeout may not have heard from every live
      // member yet: its view of their health is not an answer.
      if (!quorum.ok() && is_leader() && ticks_ - leader_since_tick_ < election_ticks()) return;
    }
    WaitingConfChange w = std::move(front);
    conf_changes_waiting_.pop_front();
    if (!quorum.ok()) {
      w.done(quorum.error());
      continue;
    }
    const uint64_t request_id = next_request_id();
    w.cc.context = encode_context({request_id, std::move(w.member)});
    auto proposed = node_.propose_conf_change(w.cc);
    if (!proposed.ok()) {
      w.done(Error{leader_ == kNoNode ? std::string(kErrNoLeader) : proposed.error().message});
      continue;
    }
    member_waiters_.emplace(request_id, std::move(w.done));
    ready_wanted();
  }
}

void ServerCore::expire_waiting_conf_changes() {
  std::vector<MemberCallback> expired;
  for (auto it = conf_changes_waiting_.begin(); it != conf_changes_waiting_.end();) {
    if (--it->ticks_left > 0) {
      ++it;
      continue;
    }
    expired.push_back(std::move(it->done));
    it = conf_changes_waiting_.erase(it);
  }
  // Answered after the loop: a callback may queue another change.
  const std::string why = is_leader() ? "etcdserver: a configuration change is already in progress"
                                      : "etcdserver: request timed out";
  for (auto& done : expired)
    done(Error{why});
}

bool ServerCore::heard_recently(NodeId id) const {
  if (id == options_.id) return true;
  auto it = last_heard_tick_.find(id);
  return it != last_heard_tick_.end() && ticks_ - it->second <= election_ticks();
}

}  // namespace etcd::server

namespace etcd::server {

void ServerCore::maybe_promote_learners() {
  if (!is_leader() || removed_ || node_.status().lead_transferee != kNoNode) return;
  if (!conf_changes_waiting_.empty() || node_.has_pending_conf_change()) return;
  const bool any_learner = std::any_of(membership_.members().begin(), membership_.members().end(),
                                       [](const auto& kv) { return kv.second.is_learner; });
  if (!any_learner) return;
  const raft::Status status = node_.status();
  const Index commit = status.hard_state.commit;
  for (const auto& f : status.progress) {
    // A match this close to the commit index can only come from a member that answers.
    if (!f.is_learner) continue;
    if (f.match + options_.learner_catchup_entries < commit) continue;
    const Member* member = membership_.find(f.id);
    // Promote only a member that runs (published its name): the strict reconfig check
    // counts started members.
    if (member == nullptr || member->name.empty() || !member->is_learner) continue;
    spdlog::info("promoting learner {} ({}) to voter: caught up at index {} of {}", member->name,
                 id_to_hex(f.id.value), f.match.value, commit.value);
    promote_member(f.id, [id = f.id](Result<Member> m) {
      // Not yet within 90% of the log (promote_member's own check): the next tick retries.
      if (!m && m.error().message.find("in sync with leader") == std::string::npos) {
        spdlog::warn("promoting {}: {}", id_to_hex(id.value), m.error().message);
      }
    });
    return;  // one conf change at a time
  }
}

}  // namespace etcd::server
