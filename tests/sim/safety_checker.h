// SafetyChecker: the Raft safety properties, checked incrementally as nodes persist, apply
// and change role, so a violation is reported at the step that caused it. It keeps global
// ledgers across all nodes and incarnations:
//   - leader of each term                     Election Safety (Raft §5.2)
//   - (index, term) -> entry and predecessor  Log Matching (§5.3): by induction over index,
//     one entry and one predecessor term per (index, term) means any two logs sharing an
//     (index, term) are identical up to it
//   - index -> committed entry + the highest term it may have been committed in
//                                             Leader Completeness (§5.4), no committed entry
//                                             lost or changed
//   - index -> applied entry + state hash     State Machine Safety (§5.4.3), snapshots
//   - per node: term, vote, commit            terms/commits never go back, one vote per term,
//                                             votes durable before they are sent, a leader
//                                             moves its commit index only onto an entry of
//                                             its own term (§5.4.2, the Figure 8 rule)
// Only the first violation is kept (later ones are usually its echoes). Single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "etcd/raft/ready.h"
#include "etcd/raft/storage.h"
#include "tests/sim/trace.h"

namespace etcd::sim {

class SafetyChecker {
 public:
  explicit SafetyChecker(Trace& trace) : trace_(trace) {}

  bool failed() const { return !violation_.empty(); }
  // "<what> at tick <t>", empty while no property was violated.
  const std::string& violation() const { return violation_; }
  void fail(uint64_t tick, const std::string& what);

  // A Ready as raft handed it out, before it is persisted; `storage` is the node's durable
  // state so far, `leader_after` whether the node leads once this Ready's soft state holds.
  void on_ready(uint64_t tick, NodeId node, const raft::MemoryStorage& storage,
                const raft::Ready& ready, bool leader_after);
  // The same Ready once persisted (and before any message of it is sent).
  void on_persisted(uint64_t tick, NodeId node, const raft::MemoryStorage& storage,
                    const raft::Ready& ready);
  void on_role(uint64_t tick, NodeId node, Term term, raft::Role role);
  // A restarted node: raft must resume from exactly the durable hard state.
  void on_restart(uint64_t tick, NodeId node, const raft::HardState& durable,
                  const raft::HardState& resumed);
  // One committed entry applied; `commit` is the node's durable commit index.
  void on_apply(uint64_t tick, NodeId node, const raft::Entry& entry, uint64_t state_hash,
                Index commit);
  // The membership after applying the conf change at index. Bootstrap entries (index <=
  // bootstrap_index) are exempt: founders apply the whole initial membership up front (as
  // etcd's Bootstrap does) while a node catching up from index 1 builds it one by one.
  void on_conf_applied(uint64_t tick, NodeId node, Index index, const raft::ConfState& state);
  void set_bootstrap_index(Index index) { bootstrap_index_ = index; }
  void on_snapshot_restored(uint64_t tick, NodeId node, const raft::SnapshotMetadata& meta,
                            uint64_t state_hash);
  // Leader Completeness for a node that currently leads `term`: every entry committed in
  // an earlier term is in its log (or covered by its snapshot). Call after every step.
  void check_leader_log(uint64_t tick, NodeId node, Term term, const raft::MemoryStorage& storage);

  Index committed_max() const;
  // (term, entry hash) of the committed entry at index, if known.
  std::optional<std::pair<Term, uint64_t>> committed_entry(Index index) const;

 private:
  struct LoggedEntry {
    uint64_t entry_hash;
    Term prev_term;
  };
  struct CommittedEntry {
    Term term;
    uint64_t entry_hash;
    Term commit_term_max;  // committed no later than in this term
    std::pair<Term, uint64_t> id() const { return {term, entry_hash}; }
  };
  struct AppliedEntry {
    Term term;
    uint64_t entry_hash;
    uint64_t state_hash;
  };
  struct NodeRecord {
    Index checked_commit;
    Term leader_term;
    Index leader_verified;
    // Commitment rule: set by on_ready for a node that led before and after the Ready.
    bool leading = false;
    Term leading_term;
    bool check_commit_rule = false;
    Index commit_before;
  };

  void check_hard_state(uint64_t tick, NodeId node, const raft::HardState& before,
                        const raft::Ready& ready);
  void record_logged(uint64_t tick, NodeId node, const raft::MemoryStorage& storage,
                     const std::vector<raft::Entry>& entries);
  void record_committed(uint64_t tick, NodeId node, const raft::MemoryStorage& storage);
  void check_commit_rule(uint64_t tick, NodeId node, const raft::MemoryStorage& storage);
  void check_votes_durable(uint64_t tick, NodeId node, const raft::HardState& hard_state,
                           const raft::Ready& ready);

  Trace& trace_;
  std::string violation_;
  std::map<Term, NodeId> leaders_;
  std::map<std::pair<Index, Term>, LoggedEntry> logged_;
  std::map<Index, CommittedEntry> committed_;
  std::map<Index, AppliedEntry> applied_;
  std::map<Index, raft::ConfState> confs_;
  std::map<NodeId, NodeRecord> nodes_;
  Index bootstrap_index_;
};

uint64_t entry_hash(const raft::Entry& entry);

}  // namespace etcd::sim
