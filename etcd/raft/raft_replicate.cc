// Sending: message stamping, AppendEntries with flow control, snapshots, heartbeats, and
// the leader's own appends and commit rule.
#include "etcd/common/assert.h"
#include "etcd/raft/raft.h"

namespace etcd::raft {

void Raft::send(Message m) {
  m.from = id_;
  const bool is_vote_traffic = m.type == MessageType::vote || m.type == MessageType::vote_resp ||
                               m.type == MessageType::pre_vote ||
                               m.type == MessageType::pre_vote_resp;
  if (is_vote_traffic) {
    // Votes carry the election's term explicitly (PreVote uses a future term).
    ETCD_ASSERT(m.term != Term{0}, "vote traffic must carry a term");
  } else {
    ETCD_ASSERT(m.term == Term{0}, "term is stamped here, not by the caller");
    // Proposals and read requests forwarded to the leader are local in spirit: no term,
    // so a term change in between does not get them rejected as stale.
    if (m.type != MessageType::propose && m.type != MessageType::read_index) m.term = term_;
  }
  msgs_.push_back(std::move(m));
}

bool Raft::maybe_send_append(NodeId to, bool send_if_empty) {
  Progress* pr = tracker_.find(to);
  if (pr == nullptr || pr->is_paused()) return false;
  Message m{.type = MessageType::append, .to = to};
  const auto prev_term = log_.term(pr->next - 1);
  auto entries = log_.entries_from(pr->next, max_msg_bytes_);
  if (prev_term && entries.ok() && entries->empty() && !send_if_empty) return false;
  if (!prev_term || !entries.ok()) {
    // The entries it needs are compacted: send the snapshot instead.
    if (!prepare_snapshot_message(m, *pr)) return false;
  } else {
    m.index = pr->next - 1;
    m.log_term = *prev_term;
    m.entries = std::move(entries).value();
    m.commit = log_.committed();
    if (!m.entries.empty()) {
      if (pr->state == ProgressState::replicate) {
        const Index last = m.entries.back().index;
        pr->optimistic_update(last);
        pr->inflights.add(last);
      } else {
        ETCD_ASSERT(pr->state == ProgressState::probe, "append in snapshot state");
        pr->probe_sent = true;
      }
    }
  }
  send(std::move(m));
  return true;
}

bool Raft::prepare_snapshot_message(Message& m, Progress& pr) {
  if (!pr.recent_active) return false;  // don't ship a snapshot to a node that may be down
  auto snapshot = log_.snapshot();
  if (!snapshot.ok()) {
    ETCD_ASSERT(snapshot.error().code == kErrSnapshotTemporarilyUnavailable,
                "snapshot unavailable");
    return false;
  }
  ETCD_ASSERT(!snapshot->empty(), "need a non-empty snapshot");
  m.type = MessageType::snapshot;
  pr.become_snapshot(snapshot->metadata.index);
  log_line(LogLevel::info, "sending snapshot at index " +
                               std::to_string(snapshot->metadata.index.value) + " to " +
                               hex(m.to));
  m.snapshot = std::move(snapshot).value();
  return true;
}

void Raft::send_heartbeat(NodeId to, const std::string& ctx) {
  // Never tell a follower to commit beyond what it is known to have.
  const Index commit = std::min(tracker_.find(to)->match, log_.committed());
  send(Message{.type = MessageType::heartbeat, .to = to, .commit = commit, .context = ctx});
}

void Raft::broadcast_append() {
  for (auto& [id, pr] : tracker_.all()) {
    if (id != id_) send_append(id);
  }
}

void Raft::broadcast_heartbeat(const std::string& ctx) {
  for (auto& [id, pr] : tracker_.all()) {
    if (id != id_) send_heartbeat(id, ctx);
  }
}

bool Raft::append_entries(std::vector<Entry> entries) {
  const Index last = log_.last_index();
  for (size_t i = 0; i < entries.size(); ++i) {
    entries[i].term = term_;
    entries[i].index = last + (i + 1);
  }
  if (!increase_uncommitted_size(entries)) return false;
  const Index new_last = log_.append(entries);
  if (Progress* self = tracker_.find(id_)) self->maybe_update(new_last);
  maybe_commit();  // the caller broadcasts either way
  return true;
}

bool Raft::maybe_commit() { return log_.maybe_commit(tracker_.committed(), term_); }

}  // namespace etcd::raft
