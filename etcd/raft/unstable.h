// Unstable: the tail of the raft log (and possibly an incoming snapshot) that the node
// has accepted but its owner has not yet persisted. Entries move to Storage when the owner
// reports them stable (advance). Internal to raft/.
#pragma once

#include <optional>
#include <vector>

#include "etcd/raft/types.h"

namespace etcd::raft {

class Unstable {
 public:
  explicit Unstable(Index offset) : offset_(offset) {}

  // First index known only here (only when a snapshot is pending).
  std::optional<Index> maybe_first_index() const;
  std::optional<Index> maybe_last_index() const;
  std::optional<Term> maybe_term(Index i) const;

  // Owner persisted entries up to (i, t); drop them from here if they still match.
  void stable_to(Index i, Term t);
  void stable_snapshot_to(Index i);
  void restore(const Snapshot& snapshot);
  // Appends, truncating whatever here conflicts with entries.front().index.
  void truncate_and_append(const std::vector<Entry>& entries);
  // Entries in [lo, hi); both must lie within [offset, offset + size].
  std::vector<Entry> slice(Index lo, Index hi) const;

  const std::vector<Entry>& entries() const { return entries_; }
  const std::optional<Snapshot>& snapshot() const { return snapshot_; }
  Index offset() const { return offset_; }

 private:
  std::optional<Snapshot> snapshot_;
  std::vector<Entry> entries_;
  Index offset_;  // index of entries_[0]
};

}  // namespace etcd::raft
