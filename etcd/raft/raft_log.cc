#include "etcd/raft/raft_log.h"

#include <algorithm>

#include "etcd/common/assert.h"

namespace etcd::raft {
namespace {

uint64_t entry_bytes(const Entry& e) { return e.data.size() + 24; }

void limit_size(std::vector<Entry>& entries, uint64_t max_bytes) {
  uint64_t total = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    total += entry_bytes(entries[i]);
    if (i > 0 && total > max_bytes) {
      entries.resize(i);
      return;
    }
  }
}

}  // namespace

RaftLog::RaftLog(const Storage& storage, uint64_t max_committed_bytes)
    : storage_(storage),
      unstable_(storage.last_index() + 1),
      committed_(storage.first_index() - 1),
      applied_(storage.first_index() - 1),
      max_committed_bytes_(max_committed_bytes) {}

Index RaftLog::first_index() const {
  if (auto i = unstable_.maybe_first_index()) return *i;
  return storage_.first_index();
}

Index RaftLog::last_index() const {
  if (auto i = unstable_.maybe_last_index()) return *i;
  return storage_.last_index();
}

Term RaftLog::last_term() const {
  auto t = term(last_index());
  ETCD_ASSERT(t.has_value(), "term of the last index must be known");
  return *t;
}

std::optional<Term> RaftLog::term(Index i) const {
  const Index dummy = first_index() - 1;
  if (i < dummy || i > last_index()) return std::nullopt;
  if (auto t = unstable_.maybe_term(i)) return t;
  auto t = storage_.term(i);
  if (t.ok()) return *t;
  ETCD_ASSERT(t.error().code == kErrCompacted || t.error().code == kErrUnavailable,
              "unexpected storage error");
  return std::nullopt;
}

bool RaftLog::match_term(Index i, Term t) const {
  auto mine = term(i);
  return mine && *mine == t;
}

bool RaftLog::is_up_to_date(Index index, Term t) const {
#if ETCD_RAFT_BUG == 2
  (void)index;
  (void)t;
  return true;  // injected bug: grant votes regardless of log freshness
#else
  const Term mine = last_term();
  return t > mine || (t == mine && index >= last_index());
#endif
}

std::optional<Index> RaftLog::maybe_append(Index index, Term log_term, Index committed,
                                           const std::vector<Entry>& entries) {
  if (!match_term(index, log_term)) return std::nullopt;
  const Index last_new = index + entries.size();
  const Index conflict = find_conflict(entries);
  if (conflict != Index{0}) {
    ETCD_ASSERT(conflict > committed_, "entry conflicts with a committed entry");
    const auto skip = static_cast<std::ptrdiff_t>(conflict - (index + 1));
    append(std::vector<Entry>(entries.begin() + skip, entries.end()));
  }
  commit_to(std::min(committed, last_new));
  return last_new;
}

Index RaftLog::append(const std::vector<Entry>& entries) {
  if (entries.empty()) return last_index();
  ETCD_ASSERT(entries.front().index - 1 >= committed_, "append would overwrite committed entries");
  unstable_.truncate_and_append(entries);
  return last_index();
}

Index RaftLog::find_conflict(const std::vector<Entry>& entries) const {
  for (const auto& e : entries) {
#if ETCD_RAFT_BUG == 3
    // Injected bug: only entries past our log are "new"; conflicts are never truncated.
    if (e.index > last_index()) return e.index;
#else
    if (!match_term(e.index, e.term)) return e.index;
#endif
  }
  return Index{0};
}

std::pair<Index, Term> RaftLog::find_conflict_by_term(Index index, Term t) const {
  for (; index > Index{0}; index = index - 1) {
    auto mine = term(index);
    if (!mine) return {index, Term{0}};  // compacted or beyond: stop here
    if (*mine <= t) return {index, *mine};
  }
  return {Index{0}, Term{0}};
}

bool RaftLog::maybe_commit(Index max_index, Term t) {
#if ETCD_RAFT_BUG == 1
  (void)t;  // injected bug: commit entries of any term by counting replicas
  if (max_index > committed_) {
#else
  // Raft §5.4.2: only entries of the current term are committed by counting replicas.
  if (max_index > committed_ && term_or_zero(max_index) == t) {
#endif
    commit_to(max_index);
    return true;
  }
  return false;
}

void RaftLog::commit_to(Index to) {
  if (to <= committed_) return;  // never decrease
  ETCD_ASSERT(to <= last_index(), "commit index beyond the last index: log corrupted?");
  committed_ = to;
}

void RaftLog::applied_to(Index i) {
  if (i == Index{0}) return;
  ETCD_ASSERT(committed_ >= i && i >= applied_, "applied index out of range");
  applied_ = i;
}

void RaftLog::restore(const Snapshot& snapshot) {
  committed_ = snapshot.metadata.index;
  unstable_.restore(snapshot);
}

std::vector<Entry> RaftLog::next_committed_entries() const {
  const Index lo = std::max(applied_ + 1, first_index());
  if (committed_ + 1 <= lo) return {};
  auto entries = slice(lo, committed_ + 1, max_committed_bytes_);
  ETCD_ASSERT(entries.ok(), "committed entries must be available");
  return std::move(entries).value();
}

bool RaftLog::has_next_committed_entries() const {
  return committed_ + 1 > std::max(applied_ + 1, first_index());
}

Result<Snapshot> RaftLog::snapshot() const {
  if (unstable_.snapshot()) return *unstable_.snapshot();
  return storage_.snapshot();
}

Result<std::vector<Entry>> RaftLog::entries_from(Index i, uint64_t max_bytes) const {
  if (i > last_index()) return std::vector<Entry>{};
  return slice(i, last_index() + 1, max_bytes);
}

Result<std::vector<Entry>> RaftLog::slice(Index lo, Index hi, uint64_t max_bytes) const {
  ETCD_ASSERT(lo <= hi, "invalid slice");
  if (lo < first_index()) return Error{"requested index is compacted", kErrCompacted};
  ETCD_ASSERT(hi <= last_index() + 1, "slice beyond last index");
  if (lo == hi) return std::vector<Entry>{};
  std::vector<Entry> out;
  const Index unstable_from = unstable_.offset();
  if (lo < unstable_from) {
    auto stored = storage_.entries(lo, std::min(hi, unstable_from), max_bytes);
    if (!stored.ok()) return stored.error();
    out = std::move(stored).value();
    // Storage stopped early because of the size limit: nothing from unstable.
    if (lo + out.size() < std::min(hi, unstable_from)) return out;
  }
  if (hi > unstable_from) {
    auto tail = unstable_.slice(std::max(lo, unstable_from), hi);
    out.insert(out.end(), std::make_move_iterator(tail.begin()),
               std::make_move_iterator(tail.end()));
  }
  limit_size(out, max_bytes);
  return out;
}

}  // namespace etcd::raft
