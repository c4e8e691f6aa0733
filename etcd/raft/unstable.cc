#include "etcd/raft/unstable.h"

#include "etcd/common/assert.h"

namespace etcd::raft {

std::optional<Index> Unstable::maybe_first_index() const {
  if (snapshot_) return snapshot_->metadata.index + 1;
  return std::nullopt;
}

std::optional<Index> Unstable::maybe_last_index() const {
  if (!entries_.empty()) return offset_ + (entries_.size() - 1);
  if (snapshot_) return snapshot_->metadata.index;
  return std::nullopt;
}

std::optional<Term> Unstable::maybe_term(Index i) const {
  if (i < offset_) {
    if (snapshot_ && snapshot_->metadata.index == i) return snapshot_->metadata.term;
    return std::nullopt;
  }
  auto last = maybe_last_index();
  if (!last || i > *last) return std::nullopt;
  return entries_[i - offset_].term;
}

void Unstable::stable_to(Index i, Term t) {
  auto term = maybe_term(i);
  if (!term) return;
  // Only if the entry at i is still the one persisted (not replaced by a newer leader's).
  if (*term == t && i >= offset_) {
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(i + 1 - offset_));
    offset_ = i + 1;
  }
}

void Unstable::stable_snapshot_to(Index i) {
  if (snapshot_ && snapshot_->metadata.index == i) snapshot_.reset();
}

void Unstable::restore(const Snapshot& snapshot) {
  offset_ = snapshot.metadata.index + 1;
  entries_.clear();
  snapshot_ = snapshot;
}

void Unstable::truncate_and_append(const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  const Index after = entries.front().index;
  if (after == offset_ + entries_.size()) {
    // Directly follows: append.
  } else if (after <= offset_) {
    // Replaces everything unstable.
    offset_ = after;
    entries_.clear();
  } else {
    // Keep [offset, after), drop the rest.
    entries_.resize(after - offset_);
  }
  entries_.insert(entries_.end(), entries.begin(), entries.end());
}

std::vector<Entry> Unstable::slice(Index lo, Index hi) const {
  ETCD_ASSERT(lo <= hi && lo >= offset_ && hi <= offset_ + entries_.size(),
              "unstable slice out of bounds");
  return {entries_.begin() + static_cast<std::ptrdiff_t>(lo - offset_),
          entries_.begin() + static_cast<std::ptrdiff_t>(hi - offset_)};
}

}  // namespace etcd::raft
