#include "tests/sim/safety_checker.h"

#include <limits>

#include "tests/sim/sim_hash.h"

namespace etcd::sim {

uint64_t entry_hash(const raft::Entry& entry) {
  return mix(fnv1a(entry.data), static_cast<uint64_t>(entry.type));
}

namespace {
std::pair<Term, uint64_t> fresh_id(const raft::Entry& entry) {
  return {entry.term, entry_hash(entry)};
}
}  // namespace

void SafetyChecker::fail(uint64_t tick, const std::string& what) {
  trace_.add(tick, "VIOLATION: {}", what);
  if (violation_.empty()) violation_ = fmt::format("{} at tick {}", what, tick);
}

void SafetyChecker::on_ready(uint64_t tick, NodeId node, const raft::MemoryStorage& storage,
                             const raft::Ready& ready, bool leader_after) {
  raft::HardState before = storage.initial_state().hard_state;
  check_hard_state(tick, node, before, ready);
  // A steady leader led before this Ready and still leads, in the same term.
  NodeRecord& record = nodes_[node];
  Term term_after = ready.hard_state ? ready.hard_state->term : before.term;
  bool steady = record.leading && leader_after && term_after == record.leading_term;
  record.check_commit_rule = steady;
  record.commit_before = before.commit;
  record.leading = leader_after;
  record.leading_term = term_after;
  const std::vector<raft::Entry>& entries = ready.entries_to_persist;
  if (entries.empty()) return;
  if (!ready.must_sync) {
    fail(tick, fmt::format("n{}: Ready has entries to persist but must_sync is false", node.value));
  }
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].index != entries[i - 1].index + 1) {
      fail(tick, fmt::format("n{}: entries to persist are not contiguous", node.value));
    }
  }
  // Raft §5.3: a leader never overwrites or deletes entries in its own log.
  if (steady && entries.front().index <= storage.last_index()) {
    fail(tick, fmt::format("leader n{} overwrites its own log from index {} (last {})", node.value,
                           entries.front().index.value, storage.last_index().value));
  }
}

void SafetyChecker::check_hard_state(uint64_t tick, NodeId node, const raft::HardState& before,
                                     const raft::Ready& ready) {
  if (!ready.hard_state) return;
  const raft::HardState& after = *ready.hard_state;
  if (after.term < before.term) {
    fail(tick, fmt::format("n{}: term went back from {} to {}", node.value, before.term.value,
                           after.term.value));
  }
  if (after.term == before.term && before.vote != kNoNode && after.vote != before.vote) {
    fail(tick, fmt::format("n{} voted twice in term {} (n{} then n{})", node.value,
                           after.term.value, before.vote.value, after.vote.value));
  }
  if (after.commit < before.commit) {
    fail(tick, fmt::format("n{}: commit index went back from {} to {}", node.value,
                           before.commit.value, after.commit.value));
  }
  bool durable_changed = after.term != before.term || after.vote != before.vote;
  if (durable_changed && !ready.must_sync) {
    fail(tick, fmt::format("n{}: term/vote changed but must_sync is false", node.value));
  }
}

void SafetyChecker::on_persisted(uint64_t tick, NodeId node, const raft::MemoryStorage& storage,
                                 const raft::Ready& ready) {
  record_logged(tick, node, storage, ready.entries_to_persist);
  raft::HardState hard_state = storage.initial_state().hard_state;
  if (hard_state.commit > storage.last_index()) {
    fail(tick, fmt::format("n{}: commit {} beyond its last index {}", node.value,
                           hard_state.commit.value, storage.last_index().value));
    return;
  }
  record_committed(tick, node, storage);
  check_commit_rule(tick, node, storage);
  check_votes_durable(tick, node, hard_state, ready);
}

// Raft §5.4.2: a leader counts replicas only for entries of its current term; older
// entries are committed indirectly, when an entry of its term after them is. So whenever a
// steady leader's commit index moves, it lands on an entry of the leader's term.
void SafetyChecker::check_commit_rule(uint64_t tick, NodeId node,
                                      const raft::MemoryStorage& storage) {
  NodeRecord& record = nodes_[node];
  raft::HardState hs = storage.initial_state().hard_state;
  if (!record.check_commit_rule || hs.commit <= record.commit_before) return;
  auto term = storage.term(hs.commit);
  if (term.ok() && *term != hs.term) {
    fail(tick, fmt::format("commitment rule (Raft §5.4.2): leader n{} of term {} advanced its "
                           "commit index to {}, an entry of term {}",
                           node.value, hs.term.value, hs.commit.value, term->value));
  }
}

void SafetyChecker::record_logged(uint64_t tick, NodeId node, const raft::MemoryStorage& storage,
                                  const std::vector<raft::Entry>& entries) {
  for (const raft::Entry& e : entries) {
    auto prev = storage.term(e.index - 1);
    if (!prev.ok()) {
      fail(tick, fmt::format("n{}: no term for index {} after persisting {}", node.value,
                             e.index.value - 1, describe(e)));
      return;
    }
    LoggedEntry logged{entry_hash(e), *prev};
    auto [it, inserted] = logged_.emplace(std::pair(e.index, e.term), logged);
    if (inserted) continue;
    if (it->second.entry_hash != logged.entry_hash) {
      fail(tick, fmt::format("Log Matching: n{} persisted {} but another entry with index {} "
                             "and term {} exists",
                             node.value, describe(e), e.index.value, e.term.value));
    } else if (it->second.prev_term != logged.prev_term) {
      fail(tick, fmt::format("Log Matching: n{} has {} after term {}, another log has it "
                             "after term {}",
                             node.value, describe(e), prev->value, it->second.prev_term.value));
    }
  }
}

void SafetyChecker::record_committed(uint64_t tick, NodeId node,
                                     const raft::MemoryStorage& storage) {
  raft::HardState hs = storage.initial_state().hard_state;
  NodeRecord& record = nodes_[node];
  Index lo = std::max(record.checked_commit + 1, storage.first_index());
  if (hs.commit < lo) return;
  auto entries = storage.entries(lo, hs.commit + 1, std::numeric_limits<uint64_t>::max());
  if (!entries.ok()) {
    fail(tick, fmt::format("n{}: cannot read committed entries [{}, {}]: {}", node.value, lo.value,
                           hs.commit.value, entries.error().message));
    return;
  }
  for (const raft::Entry& e : *entries) {
    CommittedEntry fresh{e.term, entry_hash(e), hs.term};
    auto [it, inserted] = committed_.emplace(e.index, fresh);
    if (inserted) continue;
    if (it->second.id() != fresh.id()) {
      fail(tick, fmt::format("committed entry changed: index {} was committed with term {}, "
                             "n{} commits {}",
                             e.index.value, it->second.term.value, node.value, describe(e)));
      return;
    }
    it->second.commit_term_max = std::min(it->second.commit_term_max, hs.term);
  }
  record.checked_commit = hs.commit;
}

void SafetyChecker::check_votes_durable(uint64_t tick, NodeId node, const raft::HardState& hs,
                                        const raft::Ready& ready) {
  for (const raft::Message& m : ready.messages) {
    if (m.type != raft::MessageType::vote_resp || m.reject) continue;
    // Safe if the durable state holds this vote, or has moved past the vote's term (the
    // node can never vote in that term again).
    if (hs.term < m.term || (hs.term == m.term && hs.vote != m.to)) {
      fail(tick, fmt::format("n{} grants a vote to n{} in term {} but its durable state is "
                             "term {} vote n{}",
                             node.value, m.to.value, m.term.value, hs.term.value, hs.vote.value));
    }
  }
}

void SafetyChecker::on_role(uint64_t tick, NodeId node, Term term, raft::Role role) {
  if (role != raft::Role::leader) return;
  auto [it, inserted] = leaders_.emplace(term, node);
  if (!inserted && it->second != node) {
    fail(tick, fmt::format("two leaders in term {} (n{}, n{})", term.value, it->second.value,
                           node.value));
  }
}

void SafetyChecker::on_restart(uint64_t tick, NodeId node, const raft::HardState& durable,
                               const raft::HardState& resumed) {
  nodes_[node].leading = false;
  if (durable != resumed) {
    fail(tick, fmt::format("n{} restarted with hard state term={} vote=n{} commit={} but its "
                           "durable state is term={} vote=n{} commit={}",
                           node.value, resumed.term.value, resumed.vote.value, resumed.commit.value,
                           durable.term.value, durable.vote.value, durable.commit.value));
  }
}

void SafetyChecker::on_apply(uint64_t tick, NodeId node, const raft::Entry& entry,
                             uint64_t state_hash, Index commit) {
  if (entry.index > commit) {
    fail(tick, fmt::format("n{} applies {} beyond its commit index {}", node.value, describe(entry),
                           commit.value));
  }
  AppliedEntry fresh{entry.term, entry_hash(entry), state_hash};
  auto [it, inserted] = applied_.emplace(entry.index, fresh);
  if (!inserted && (it->second.term != fresh.term || it->second.entry_hash != fresh.entry_hash)) {
    fail(tick, fmt::format("State Machine Safety: n{} applies {} but another node applied "
                           "term {} at that index",
                           node.value, describe(entry), it->second.term.value));
  } else if (!inserted && it->second.state_hash != state_hash) {
    fail(tick, fmt::format("n{}: state after applying index {} differs from another node's",
                           node.value, entry.index.value));
  }
  auto committed = committed_.find(entry.index);
  if (committed != committed_.end() && committed->second.id() != fresh_id(entry)) {
    fail(tick, fmt::format("n{} applies {} but the committed entry there has term {}", node.value,
                           describe(entry), committed->second.term.value));
  }
}

void SafetyChecker::on_conf_applied(uint64_t tick, NodeId node, Index index,
                                    const raft::ConfState& state) {
  if (index < bootstrap_index_) return;
  auto [it, inserted] = confs_.emplace(index, state);
  if (!inserted && it->second != state) {
    fail(tick, fmt::format("n{} has membership {} after the conf change at index {}, another "
                           "node has {}",
                           node.value, describe(state), index.value, describe(it->second)));
  }
}

void SafetyChecker::on_snapshot_restored(uint64_t tick, NodeId node,
                                         const raft::SnapshotMetadata& meta, uint64_t state_hash) {
  auto it = applied_.find(meta.index);
  if (it == applied_.end()) {
    fail(tick, fmt::format("n{} restores a snapshot at index {} that no node applied", node.value,
                           meta.index.value));
  } else if (it->second.term != meta.term || it->second.state_hash != state_hash) {
    fail(tick, fmt::format("n{} restores snapshot {}:{} whose state differs from the state "
                           "applied at that index (term {})",
                           node.value, meta.index.value, meta.term.value, it->second.term.value));
  }
}

void SafetyChecker::check_leader_log(uint64_t tick, NodeId node, Term term,
                                     const raft::MemoryStorage& storage) {
  NodeRecord& record = nodes_[node];
  if (record.leader_term != term) {
    record.leader_term = term;
    record.leader_verified = Index{0};
  }
  Index lo = std::max(record.leader_verified + 1, storage.first_index());
  for (auto it = committed_.lower_bound(lo); it != committed_.end(); ++it) {
    const auto& [index, committed] = *it;
    // Only entries committed in an earlier term are owed to this leader (§5.4).
    if (committed.commit_term_max >= term) continue;
    if (index > storage.last_index()) {
      fail(tick, fmt::format("Leader Completeness: leader n{} of term {} lacks committed entry "
                             "{}:{} (last index {})",
                             node.value, term.value, index.value, committed.term.value,
                             storage.last_index().value));
      return;
    }
    auto entries = storage.entries(index, index + 1, std::numeric_limits<uint64_t>::max());
    if (!entries.ok() || entries->empty() || fresh_id(entries->front()) != committed.id()) {
      fail(tick, fmt::format("Leader Completeness: leader n{} of term {} has a different entry "
                             "at committed index {} (committed term {})",
                             node.value, term.value, index.value, committed.term.value));
      return;
    }
    record.leader_verified = index;
  }
}

Index SafetyChecker::committed_max() const {
  return committed_.empty() ? Index{0} : committed_.rbegin()->first;
}

std::optional<std::pair<Term, uint64_t>> SafetyChecker::committed_entry(Index index) const {
  auto it = committed_.find(index);
  if (it == committed_.end()) return std::nullopt;
  return it->second.id();
}

}  // namespace etcd::sim
