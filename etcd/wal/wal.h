// Wal: the segmented, CRC-framed, append-only log that makes a member's raft state
// durable — hard state, entries and snapshot markers — in one directory of segment
// files. It owns the on-disk format (README.md), group commit (one fdatasync per save),
// segment rollover, torn-tail repair on open and purging of released segments.
//
// It knows formats, not Raft rules: it never checks terms or commit indexes, only that
// entries are contiguous. It never silently drops a record it cannot read: damage
// before the tail of the last segment makes open() fail with the file and byte offset.
//
// Threading: not thread-safe; one Wal is owned and called by the raft loop only. Only
// one process may have a directory open (an flock on the directory enforces it).
//
// Failure: a failed write or fsync leaves the file in an unknown state, so the Wal
// stops: that call and every later one return an error (kErrFailed). Never retry an
// fsync; the server should exit and recover through open().
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "etcd/common/result.h"
#include "etcd/raft/types.h"
#include "etcd/wal/file_io.h"
#include "etcd/wal/segment_name.h"
#include "etcd/wal/segment_writer.h"
#include "etcd/wal/types.h"

namespace etcd::wal {

struct Options {
  // Each segment is preallocated to this size and closed when the next record would
  // cross it; a record larger than a whole segment gets a segment of its own that grows
  // past it. A multiple of 8, at least 4 KiB. Tests use small segments.
  uint64_t segment_bytes = uint64_t{64} << 20;
  // open(): refuse a WAL whose metadata names another member or cluster.
  std::optional<Identity> expected_identity;

  Result<void> validate() const;
};

class Wal {
 public:
  // Creates `dir` (0700, with parents) and its first segment. Durable on return.
  // Errors: kErrExists if `dir` already holds segments, kErrIo.
  static Result<std::unique_ptr<Wal>> create(const std::string& dir, const Identity& identity,
                                             const Options& options);

  // Opens an existing WAL: verifies every segment from the one holding index from + 1 to
  // the last, truncates a torn tail of the last segment (logged as a warning), removes
  // stray .tmp files and positions for appending. `from` is the index of the snapshot
  // the caller restored (0 for none); Recovered.entries are those above it.
  // Errors: see recover_dir() in recovery.h, plus kErrIo; nothing is modified on error.
  static Result<std::pair<std::unique_ptr<Wal>, Recovered>> open(const std::string& dir, Index from,
                                                                 const Options& options);

  // Whether `dir` holds at least one segment (an existing member's WAL).
  static bool exists(const std::string& dir);

  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;
  ~Wal();

  // Appends `entries` (precondition, asserted: contiguous, the first at most
  // last_index() + 1; a lower first index replaces the suffix from there) and then `state` unless
  // it is empty, in one write. With must_sync they are durable on return after exactly one
  // fdatasync (plus one per segment closed on the way, which is synced before the next is created);
  // without it they are durable after a later sync. Errors: kErrIo, then kErrFailed.
  Result<void> save(const raft::HardState& state, const std::vector<raft::Entry>& entries,
                    bool must_sync);

  // Makes everything saved so far durable (fdatasync).
  Result<void> sync();

  // Records that a snapshot at (index, term) is durable in the snapshot directory; the
  // marker (and everything saved before it) is durable on return. Call after the
  // snapshot file is saved and before purging anything.
  Result<void> save_snapshot_marker(const SnapshotMarker& marker);

  // Allows purge() to delete segments whose live entries are all below `index`; the
  // segment containing `index` is kept. Never beyond the last snapshot marker.
  void release_before(Index index);

  // Deletes the oldest released segments while more than `max_wals` remain (0 keeps
  // everything); the current segment is never deleted. Returns how many were deleted.
  Result<size_t> purge(uint32_t max_wals);

  const Identity& identity() const { return identity_; }
  // Index of the last entry saved (or of the snapshot marker, if that is newer).
  Index last_index() const { return last_index_; }
  const std::vector<SegmentName>& segments() const { return segments_; }
  const std::string& dir() const { return dir_; }

 private:
  Wal(std::string dir, FileDescriptor lock, const Identity& identity, const Options& options,
      SegmentWriter writer);

  Result<void> add_record(RecordType type);  // appends scratch_ as a record
  Result<void> cut();                        // closes the segment, starts the next
  Result<void> check_usable() const;
  Result<void> fail(const Error& error);

  std::string dir_;
  FileDescriptor lock_;
  Identity identity_;
  Options options_;
  SegmentWriter writer_;
  std::vector<SegmentName> segments_;     // by sequence; back() is the one being written
  raft::HardState hard_state_;            // last saved
  std::optional<SnapshotMarker> marker_;  // last saved
  Index last_index_;
  Index released_;
  std::string scratch_;  // payload encoding buffer, reused across records
  std::optional<Error> failed_;
};

}  // namespace etcd::wal
