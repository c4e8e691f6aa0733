// The values the WAL hands back and the error codes it fails with. Plain data, shared by
// wal.h (the log), replay.h (recovery) and the server that calls them.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "etcd/common/ids.h"
#include "etcd/raft/types.h"

namespace etcd::wal {

// Error codes carried in etcd::Error::code by WAL and snapshot calls.
enum WalErrorCode : int {
  kErrNotFound = 1,          // no WAL (or no segment) in the directory
  kErrCorrupt = 2,           // a damaged record before the tail; message names file + offset
  kErrIdentityMismatch = 3,  // the WAL belongs to another member or cluster
  kErrIo = 4,                // a system call failed; message carries errno text
  kErrCompacted = 5,         // the requested index is older than the oldest kept segment
  kErrExists = 6,            // create() found a WAL already there
  kErrFailed = 7,            // an earlier write or sync failed; the Wal must be discarded
};

// Who wrote the WAL; stored in the metadata record at the head of every segment.
struct Identity {
  NodeId member_id;
  uint64_t cluster_id = 0;

  bool operator==(const Identity&) const = default;
};

// "The state machine was snapshotted at (index, term)": written after the snapshot file
// is durable, so recovery knows where the log it needs starts.
struct SnapshotMarker {
  Index index;
  Term term;

  bool operator==(const SnapshotMarker&) const = default;
};

// What open() rebuilds from the log.
struct Recovered {
  Identity identity;
  raft::HardState hard_state;  // the last one saved (empty if none)
  // Entries with index > `from` (open's argument), contiguous, in index order. For each
  // index the last record wins, and a record at index i discards all entries above i
  // (a new leader's conflicting suffix).
  std::vector<raft::Entry> entries;
  std::optional<SnapshotMarker> snapshot;  // the last marker saved

  bool operator==(const Recovered&) const = default;
};

}  // namespace etcd::wal
