// Snapshotter: the snapshot files of one member, "<snap-dir>/%016x-%016x.snap" (term,
// index), each holding a raft::Snapshot (metadata + the application's opaque data, for
// etcd2 a copy of the SQLite database) behind a CRC32C. Owns the file format (README.md
// "Snapshot files"), durable saving, choosing the newest readable file and purging old
// ones. Never decides when to snapshot and never touches the WAL: the server saves the
// file, then the WAL marker (wal.h), then compacts.
//
// Not thread-safe; used from the raft loop (or one thread at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "etcd/common/result.h"
#include "etcd/raft/types.h"

namespace etcd::wal {

inline constexpr std::string_view kSnapshotSuffix = ".snap";
inline constexpr std::string_view kBrokenSuffix = ".broken";

class Snapshotter {
 public:
  explicit Snapshotter(std::string dir) : dir_(std::move(dir)) {}

  // Writes the snapshot to a .tmp file, fdatasyncs it, renames it to its final name and
  // fsyncs the directory (created 0700 if missing): durable on return, and a crash leaves
  // either the complete file or none (plus a stray .tmp that purge() removes).
  // Errors: kErrIo.
  Result<void> save(const raft::Snapshot& snapshot) const;

  // The newest snapshot that reads back intact, or nullopt when there is none (also when
  // the directory does not exist). A file
  // that fails its checksum or does not parse is renamed to <name>.broken with a warning
  // and the next older one is tried. Errors: kErrIo (listing or renaming failed).
  Result<std::optional<raft::Snapshot>> load_newest() const;

  // Deletes the oldest .snap files while more than `max_snapshots` remain (0 = keep all)
  // and any stray .tmp files. Returns how many .snap files were deleted.
  Result<size_t> purge(uint32_t max_snapshots) const;

  // Snapshot file names, oldest (lowest index) first.
  Result<std::vector<std::string>> list() const;

  const std::string& dir() const { return dir_; }

  static std::string file_name(Term term, Index index);
  // The file format, exposed for tests and fuzzing.
  static std::string encode(const raft::Snapshot& snapshot);
  static Result<raft::Snapshot> decode(std::string_view bytes);

 private:
  std::string dir_;
};

}  // namespace etcd::wal
