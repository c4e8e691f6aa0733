#include "etcd/raft/raw_node.h"

#include "etcd/common/assert.h"
#include "etcd/raft/codec.h"
#include "etcd/raft/raft.h"

namespace etcd::raft {

RawNode::RawNode(const Config& config)
    : raft_(std::make_unique<Raft>(config)),
      prev_soft_state_(raft_->soft_state()),
      prev_hard_state_(raft_->hard_state()) {}

RawNode::~RawNode() = default;
RawNode::RawNode(RawNode&&) noexcept = default;
RawNode& RawNode::operator=(RawNode&&) noexcept = default;

NodeId RawNode::id() const { return raft_->id(); }

Result<void> RawNode::bootstrap(const std::vector<ConfChange>& peers) {
  if (peers.empty()) return Error{"must provide at least one peer to bootstrap"};
  if (raft_->log().last_index() != Index{0}) return Error{"can't bootstrap a nonempty storage"};
  raft_->bootstrap(peers);
  return Ok{};
}

void RawNode::tick() { raft_->tick(); }

void RawNode::campaign() { (void)raft_->step(Message{.type = MessageType::hup}); }

Result<void> RawNode::propose(std::string data) {
  Message m{.type = MessageType::propose, .from = raft_->id()};
  m.entries.push_back(Entry{.data = std::move(data)});
  return raft_->step(std::move(m));
}

bool RawNode::has_pending_conf_change() const {
  return raft_->soft_state().role == Role::leader && raft_->has_pending_conf_change();
}

Result<void> RawNode::propose_conf_change(const ConfChange& change) {
  if (has_pending_conf_change()) {
    return Error{"a configuration change is already pending", kErrConfChangePending};
  }
  Message m{.type = MessageType::propose, .from = raft_->id()};
  m.entries.push_back(Entry{.type = EntryType::conf_change, .data = encode(change)});
  return raft_->step(std::move(m));
}

ConfState RawNode::apply_conf_change(const ConfChange& change) {
  return raft_->apply_conf_change(change);
}

Result<void> RawNode::step(const Message& message) {
  if (is_local(message.type)) {
    return Error{"raft: cannot step raft local message", kErrStepLocalMsg};
  }
  if (is_response(message.type) && raft_->tracker().find(message.from) == nullptr) {
    return Error{"raft: cannot step as peer not found", kErrStepPeerNotFound};
  }
  return raft_->step(message);
}

void RawNode::read_index(std::string ctx) {
  Message m{.type = MessageType::read_index};
  m.entries.push_back(Entry{.data = std::move(ctx)});
  (void)raft_->step(std::move(m));
}

void RawNode::transfer_leader(NodeId transferee) {
  (void)raft_->step(Message{.type = MessageType::transfer_leader, .from = transferee});
}

void RawNode::report_unreachable(NodeId id) {
  (void)raft_->step(Message{.type = MessageType::unreachable, .from = id});
}

void RawNode::report_snapshot(NodeId id, bool succeeded) {
  (void)raft_->step(Message{.type = MessageType::snap_status, .from = id, .reject = !succeeded});
}

bool RawNode::has_ready() const {
  const Raft& r = *raft_;
  if (r.soft_state() != prev_soft_state_) return true;
  const HardState hs = r.hard_state();
  if (!hs.empty() && hs != prev_hard_state_) return true;
  if (r.log().unstable_snapshot()) return true;
  if (!r.messages().empty()) return true;
  if (!r.log().unstable_entries().empty() || r.log().has_next_committed_entries()) return true;
  return !r.read_states().empty();
}

Ready RawNode::ready() {
  Raft& r = *raft_;
  Ready rd;
  rd.entries_to_persist = r.log().unstable_entries();
  rd.committed_entries = r.log().next_committed_entries();
  rd.messages = std::move(r.messages());
  r.messages().clear();
  if (const SoftState ss = r.soft_state(); ss != prev_soft_state_) {
    rd.soft_state = ss;
    prev_soft_state_ = ss;
  }
  const HardState hs = r.hard_state();
  if (hs != prev_hard_state_) rd.hard_state = hs;
  if (r.log().unstable_snapshot()) rd.snapshot = *r.log().unstable_snapshot();
  rd.read_states = std::move(r.read_states());
  r.read_states().clear();
  rd.must_sync = !rd.entries_to_persist.empty() || hs.term != prev_hard_state_.term ||
                 hs.vote != prev_hard_state_.vote;
  return rd;
}

void RawNode::advance(const Ready& rd) {
  if (rd.hard_state) prev_hard_state_ = *rd.hard_state;
  raft_->advance(rd);
}

Status RawNode::status() const {
  const Raft& r = *raft_;
  Status s{.id = r.id(), .hard_state = r.hard_state(), .soft_state = r.soft_state(),
           .applied = r.log().applied(), .lead_transferee = r.lead_transferee()};
  if (s.soft_state.role != Role::leader) return s;
  for (const auto& [id, pr] : r.tracker().all()) {
    s.progress.push_back(FollowerStatus{id, pr.match, pr.next, to_string(pr.state),
                                        pr.recent_active, pr.is_learner});
  }
  return s;
}

}  // namespace etcd::raft
