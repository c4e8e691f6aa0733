// RaftLog: one view over the log — stable entries in Storage, followed by the unstable
// tail — plus the commit and apply cursors. Internal to raft/.
//
// Invariants: applied <= committed <= last_index(); first_index()-1 is the dummy entry
// (last compacted index) whose term is always known.
#pragma once

#include <optional>
#include <vector>

#include "etcd/raft/storage.h"
#include "etcd/raft/unstable.h"

namespace etcd::raft {

class RaftLog {
 public:
  RaftLog(const Storage& storage, uint64_t max_committed_bytes);

  Index first_index() const;
  Index last_index() const;
  Term last_term() const;
  // Term of entry i; nullopt when i is compacted or beyond the last index.
  std::optional<Term> term(Index i) const;
  Term term_or_zero(Index i) const { return term(i).value_or(Term{0}); }
  bool match_term(Index i, Term t) const;
  // Raft §5.4.1: is a log ending at (last_index, last_term) at least as up to date as ours?
  bool is_up_to_date(Index last_index, Term last_term) const;

  // Follower side of AppendEntries: if (index, log_term) matches, appends entries (dropping
  // a conflicting suffix), moves commit to min(committed, last new index), and returns the
  // last new index; nullopt when the log does not match.
  std::optional<Index> maybe_append(Index index, Term log_term, Index committed,
                                    const std::vector<Entry>& entries);
  Index append(const std::vector<Entry>& entries);
  // Index of the first entry whose term differs from ours (0 if none conflict).
  Index find_conflict(const std::vector<Entry>& entries) const;
  // Largest index <= `index` whose term is <= `term` (fast back-off hint, Raft §5.3).
  std::pair<Index, Term> find_conflict_by_term(Index index, Term term) const;

  bool maybe_commit(Index max_index, Term term);
  void commit_to(Index to);
  void applied_to(Index i);
  void stable_to(Index i, Term t) { unstable_.stable_to(i, t); }
  void stable_snapshot_to(Index i) { unstable_.stable_snapshot_to(i); }
  void restore(const Snapshot& snapshot);

  const std::vector<Entry>& unstable_entries() const { return unstable_.entries(); }
  const std::optional<Snapshot>& unstable_snapshot() const { return unstable_.snapshot(); }
  // Committed, not yet applied entries, at most max_committed_bytes (at least one).
  std::vector<Entry> next_committed_entries() const;
  bool has_next_committed_entries() const;
  Result<Snapshot> snapshot() const;
  // Entries in [i, last_index()] capped at max_bytes; error if i is compacted.
  Result<std::vector<Entry>> entries_from(Index i, uint64_t max_bytes) const;
  // Entries in [lo, hi) capped at max_bytes; error if lo is compacted.
  Result<std::vector<Entry>> slice(Index lo, Index hi, uint64_t max_bytes) const;

  Index committed() const { return committed_; }
  Index applied() const { return applied_; }

 private:
  const Storage& storage_;
  Unstable unstable_;
  Index committed_;
  Index applied_;
  uint64_t max_committed_bytes_;
};

}  // namespace etcd::raft
