// DataDir: where a member keeps its state on disk —
//   <data-dir>/member/wal/   raft log segments (wal.h); --wal-dir may put them elsewhere
//   <data-dir>/member/snap/  snapshot files (snapshotter.h)
//   <data-dir>/member/db     the store's SQLite database (etcd/store)
//   <data-dir>/member/removed  present once the cluster told this member it was removed
// It computes the paths, creates the directories owner-only (0700) and tells a fresh
// data dir from an existing member's. It never reads or writes the files inside.
#pragma once

#include <string>

#include "etcd/common/result.h"

namespace etcd::wal {

enum class DataDirState {
  fresh,     // no WAL segment: bootstrap a new member (or join)
  existing,  // a WAL is there: restart from it, ignoring --initial-cluster*
};

struct DataDir {
  std::string data_dir;
  std::string member_dir;
  std::string wal_dir;
  std::string snap_dir;
  std::string db_path;
  std::string removed_marker;

  // The layout for `data_dir`; a non-empty `wal_dir` overrides <data-dir>/member/wal.
  static DataDir layout(const std::string& data_dir, const std::string& wal_dir = "");

  // Creates member/, snap/ and the WAL directory (with missing parents) as 0700, syncing
  // each parent directory. Existing directories are kept; one that others can read is
  // reported with a warning. Errors: kErrIo (e.g. a path exists and is not a directory).
  Result<void> create() const;

  // `existing` iff the WAL directory holds at least one segment file.
  DataDirState state() const;
};

}  // namespace etcd::wal
