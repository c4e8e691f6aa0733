// Membership changes proposed through raft (etcd /v2/members): validated against the
// current membership first, guarded by --strict-reconfig-check, one at a time.
#include <spdlog/spdlog.h>

#include "etcd/raft/codec.h"
#include "etcd/server/server_core.h"

namespace etcd::server {

void ServerCore::add_member(std::vector<std::string> peer_urls, bool learner,
                            MemberCallback done) {
  for (const auto& url : peer_urls) {
    if (membership_.find_by_peer_url(url)) return done(Error{"membership: peerURL exists"});
  }
  // etcd's NewMember for a runtime add: no cluster token, but the current time, so re-adding
  // the same URLs later yields a new ID.
  Member member{member_id(peer_urls, "", clock_.now_unix_ns() / 1'000'000'000), "",
                std::move(peer_urls), {}, learner};
  std::sort(member.peer_urls.begin(), member.peer_urls.end());
  const auto type = learner ? raft::ConfChangeType::add_learner : raft::ConfChangeType::add_node;
  propose_conf_change({type, member.id, ""}, std::move(member), std::move(done));
}

void ServerCore::remove_member(NodeId id, MemberCallback done) {
  if (membership_.is_removed(id)) return done(Error{"membership: ID removed"});
  const Member* member = membership_.find(id);
  if (member == nullptr) return done(Error{"membership: member not found"});
  propose_conf_change({raft::ConfChangeType::remove_node, id, ""}, *member, std::move(done));
}

void ServerCore::update_member(NodeId id, std::vector<std::string> peer_urls,
                               MemberCallback done) {
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
  propose_conf_change({raft::ConfChangeType::add_node, id, ""}, *member, std::move(done));
}

// etcd IsReadyToAddVotingMember / IsReadyToRemoveVotingMember: after the change, the
// members that have started (published their name) must still form a quorum.
Result<void> ServerCore::check_quorum_after(const raft::ConfChange& cc) const {
  size_t voters = 0;
  size_t started = 0;
  for (const auto& [id, m] : membership_.members()) {
    if (m.is_learner) continue;
    if (cc.type == raft::ConfChangeType::remove_node && id == cc.node_id) continue;
    ++voters;
    if (!m.name.empty()) ++started;
  }
  if (cc.type == raft::ConfChangeType::add_node) {
    ++voters;  // the newcomer, not started yet
    if (started == 1 && voters == 2) return Ok{};  // restoring a cluster from one member
  }
  if (cc.type == raft::ConfChangeType::add_learner || cc.type == raft::ConfChangeType::update_node) {
    return Ok{};
  }
  if (started < voters / 2 + 1) {
    return Error{"etcdserver: re-configuration failed due to not enough started members"};
  }
  return Ok{};
}

void ServerCore::propose_conf_change(raft::ConfChange cc, Member member, MemberCallback done) {
  if (options_.strict_reconfig_check) {
    if (auto ok = check_quorum_after(cc); !ok.ok()) return done(ok.error());
  }
  const uint64_t request_id = next_request_id();
  cc.context = encode_context({request_id, std::move(member)});
  auto proposed = node_.propose_conf_change(cc);
  if (!proposed.ok()) {
    const bool pending = proposed.error().code == raft::kErrConfChangePending;
    return done(Error{pending ? "etcdserver: a configuration change is already in progress"
                              : (leader_ == kNoNode ? std::string(kErrNoLeader)
                                                    : proposed.error().message)});
  }
  member_waiters_.emplace(request_id, std::move(done));
  run_ready_loop();
}

}  // namespace etcd::server
