#include "etcd/raft/storage.h"

namespace etcd::raft {

uint64_t payload_size(const Entry& e) { return e.data.size(); }

namespace {
// Size as counted against message limits: payload plus fixed overhead per entry.
uint64_t entry_bytes(const Entry& e) { return e.data.size() + 24; }
}  // namespace

MemoryStorage::MemoryStorage() { entries_.push_back(Entry{}); }

InitialState MemoryStorage::initial_state() const {
  return {hard_state_, snapshot_.metadata.conf_state};
}

Index MemoryStorage::first_index() const { return entries_.front().index + 1; }

Index MemoryStorage::last_index() const {
  return entries_.front().index + (entries_.size() - 1);
}

Result<Term> MemoryStorage::term(Index i) const {
  const Index offset = entries_.front().index;
  if (i < offset) return Error{"requested index is compacted", kErrCompacted};
  if (i - offset >= entries_.size()) return Error{"requested entry is unavailable", kErrUnavailable};
  return entries_[i - offset].term;
}

Result<std::vector<Entry>> MemoryStorage::entries(Index lo, Index hi, uint64_t max_bytes) const {
  const Index offset = entries_.front().index;
  if (lo <= offset) return Error{"requested index is compacted", kErrCompacted};
  if (hi > last_index() + 1) return Error{"requested entry is unavailable", kErrUnavailable};
  std::vector<Entry> out;
  uint64_t total = 0;
  for (Index i = lo; i < hi; ++i) {
    const Entry& e = entries_[i - offset];
    total += entry_bytes(e);
    if (!out.empty() && total > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

Result<Snapshot> MemoryStorage::snapshot() const { return snapshot_; }

Result<void> MemoryStorage::apply_snapshot(Snapshot snapshot) {
  if (snapshot.metadata.index < snapshot_.metadata.index) {
    return Error{"requested snapshot is older than the existing one", kErrSnapshotOutOfDate};
  }
  entries_.assign(1, Entry{snapshot.metadata.term, snapshot.metadata.index, EntryType::normal, {}});
  snapshot_ = std::move(snapshot);
  return Ok{};
}

Result<Snapshot> MemoryStorage::create_snapshot(Index i, const ConfState& conf_state,
                                                std::string data) {
  if (i <= snapshot_.metadata.index) {
    return Error{"requested snapshot is older than the existing one", kErrSnapshotOutOfDate};
  }
  if (i > last_index()) return Error{"snapshot index is beyond the last entry", kErrUnavailable};
  const Index offset = entries_.front().index;
  snapshot_.metadata.index = i;
  snapshot_.metadata.term = entries_[i - offset].term;
  snapshot_.metadata.conf_state = conf_state;
  snapshot_.data = std::move(data);
  return snapshot_;
}

Result<void> MemoryStorage::compact(Index compact_index) {
  const Index offset = entries_.front().index;
  if (compact_index <= offset) return Error{"requested index is compacted", kErrCompacted};
  if (compact_index > last_index()) {
    return Error{"compact index is beyond the last entry", kErrUnavailable};
  }
  const size_t drop = compact_index - offset;
  Entry dummy{entries_[drop].term, entries_[drop].index, EntryType::normal, {}};
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(drop));
  entries_.front() = std::move(dummy);
  return Ok{};
}

Result<void> MemoryStorage::append(const std::vector<Entry>& entries) {
  if (entries.empty()) return Ok{};
  const Index first = first_index();
  const Index last = entries.back().index;
  if (last < first) return Ok{};  // entirely compacted already
  if (entries.front().index > last_index() + 1) {
    return Error{"missing log entries before the appended ones", kErrUnavailable};
  }
  // Skip the part that is already compacted.
  size_t skip = entries.front().index < first ? first - entries.front().index : 0;
  const Index start = entries[skip].index;
  const Index offset = entries_.front().index;
  entries_.resize(start - offset);  // truncate any conflicting suffix
  entries_.insert(entries_.end(), entries.begin() + static_cast<std::ptrdiff_t>(skip),
                  entries.end());
  return Ok{};
}

}  // namespace etcd::raft
