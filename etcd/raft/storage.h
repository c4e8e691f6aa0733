// Storage: raft's read-only view of what has been made durable (stable log, hard state,
// latest snapshot), and MemoryStorage, the implementation every caller uses: the server
// appends to it after each WAL write and rebuilds it from the WAL on restart; the
// simulator uses it directly.
//
// Index ranges are half-open [lo, hi). The log holds a "dummy" entry at first_index()-1
// (the last compacted/snapshotted entry) whose term is known, so term(first_index()-1)
// always answers. Not thread-safe: owned by the raft loop.
#pragma once

#include <cstdint>
#include <vector>

#include "etcd/common/result.h"
#include "etcd/raft/types.h"

namespace etcd::raft {

// Error codes carried in etcd::Error::code by storage calls.
enum StorageErrorCode : int {
  kErrCompacted = 1,              // requested index is below first_index()
  kErrUnavailable = 2,            // requested index is above last_index()
  kErrSnapshotOutOfDate = 3,      // apply/create snapshot older than current
  kErrSnapshotTemporarilyUnavailable = 4,
};

struct InitialState {
  HardState hard_state;
  ConfState conf_state;
};

class Storage {
 public:
  virtual ~Storage() = default;
  virtual InitialState initial_state() const = 0;
  // Entries in [lo, hi), stopping once their encoded size would exceed max_bytes (but always
  // at least one entry). lo >= first_index(), hi <= last_index() + 1.
  virtual Result<std::vector<Entry>> entries(Index lo, Index hi, uint64_t max_bytes) const = 0;
  // Term of entry i, for first_index()-1 <= i <= last_index().
  virtual Result<Term> term(Index i) const = 0;
  virtual Index first_index() const = 0;
  virtual Index last_index() const = 0;
  virtual Result<Snapshot> snapshot() const = 0;
};

class MemoryStorage final : public Storage {
 public:
  MemoryStorage();

  InitialState initial_state() const override;
  Result<std::vector<Entry>> entries(Index lo, Index hi, uint64_t max_bytes) const override;
  Result<Term> term(Index i) const override;
  Index first_index() const override;
  Index last_index() const override;
  Result<Snapshot> snapshot() const override;

  void set_hard_state(const HardState& state) { hard_state_ = state; }
  const HardState& hard_state() const { return hard_state_; }
  // Replaces everything with the snapshot. Fails with kErrSnapshotOutOfDate if older.
  Result<void> apply_snapshot(Snapshot snapshot);
  // Records a snapshot of the application state at index i (<= last applied).
  Result<Snapshot> create_snapshot(Index i, const ConfState& conf_state, std::string data);
  // Discards entries before compact_index (which becomes the dummy entry).
  Result<void> compact(Index compact_index);
  // Appends entries, truncating any conflicting suffix. Entries must be contiguous and
  // must not start before first_index() or after last_index() + 1.
  Result<void> append(const std::vector<Entry>& entries);

 private:
  HardState hard_state_;
  Snapshot snapshot_;
  std::vector<Entry> entries_;  // entries_[0] is the dummy entry at snapshot index
};

// Sum of the data sizes of entries, as raft counts them for size limits.
uint64_t payload_size(const Entry& e);

}  // namespace etcd::raft
