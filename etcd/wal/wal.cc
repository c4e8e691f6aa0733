#include "etcd/wal/wal.h"

#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "etcd/raft/codec.h"
#include "etcd/wal/recovery.h"

namespace etcd::wal {
namespace {

// One process per WAL directory: a second etcd2 on the same data dir would interleave
// appends and corrupt the log.
Result<FileDescriptor> lock_dir(const std::string& dir) {
  Result<FileDescriptor> fd = open_file(dir, O_RDONLY | O_DIRECTORY);
  if (!fd) return fd;
  if (::flock(fd->get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Error{fmt::format("wal: {} is in use by another process", dir), kErrIo};
    }
    return io_error("lock", dir, errno);
  }
  return fd;
}

Result<void> repair_tail(const std::string& dir, const DirRecovery& found, uint64_t segment_bytes) {
  const std::string path = join_path(dir, found.segments.back().file_name());
  spdlog::warn(
      "wal: torn tail in {} at offset {} ({}); truncating {} bytes of an interrupted "
      "write",
      path, found.torn->offset, found.torn->reason, found.torn_bytes);
  Result<FileDescriptor> fd = open_file(path, O_WRONLY);
  if (!fd) return fd.error();
  Result<void> done = truncate_file(fd->get(), path, found.last_end_offset);
  // Re-reserve the space so the bytes after the new end read as zeros again.
  if (done) done = preallocate(fd->get(), path, std::max(segment_bytes, found.last_end_offset));
  if (done) done = sync_data(fd->get(), path);
  return done;
}

Result<void> remove_temp_files(const std::string& dir) {
  Result<std::vector<std::string>> names = list_dir(dir);
  if (!names) return names.error();
  bool removed = false;
  for (const std::string& name : *names) {
    if (!name.ends_with(std::string(kSegmentSuffix) + std::string(kTempSuffix))) continue;
    spdlog::info("wal: removing unfinished segment {}", join_path(dir, name));
    Result<void> gone = remove_file(join_path(dir, name));
    if (!gone) return gone;
    removed = true;
  }
  return removed ? sync_dir(dir) : Result<void>(Ok{});
}

}  // namespace

Result<void> Options::validate() const {
  if (segment_bytes < 4096 || segment_bytes % kRecordAlignBytes != 0) {
    return Error{
        fmt::format("wal: segment size {} must be >= 4096 and a multiple of 8", segment_bytes)};
  }
  return Ok{};
}

Wal::Wal(std::string dir, FileDescriptor lock, const Identity& identity, const Options& options,
         SegmentWriter writer)
    : dir_(std::move(dir)),
      lock_(std::move(lock)),
      identity_(identity),
      options_(options),
      writer_(std::move(writer)) {}

Wal::~Wal() = default;

bool Wal::exists(const std::string& dir) {
  Result<std::vector<SegmentName>> segments = list_segments(dir);
  return segments && !segments->empty();
}

Result<std::unique_ptr<Wal>> Wal::create(const std::string& dir, const Identity& identity,
                                         const Options& options) {
  if (Result<void> valid = options.validate(); !valid) return valid.error();
  if (Result<void> made = make_dirs(dir, 0700); !made) return made.error();
  Result<FileDescriptor> lock = lock_dir(dir);
  if (!lock) return lock.error();
  if (exists(dir)) return Error{fmt::format("wal: {} already holds a WAL", dir), kErrExists};
  const SegmentName first{0, Index{0}};
  Result<SegmentWriter> writer =
      SegmentWriter::create(dir, first, SegmentHead{0, identity, {}, {}}, options.segment_bytes);
  if (!writer) return writer.error();
  std::unique_ptr<Wal> wal(new Wal(dir, std::move(*lock), identity, options, std::move(*writer)));
  wal->segments_ = {first};
  return wal;
}

Result<std::pair<std::unique_ptr<Wal>, Recovered>> Wal::open(const std::string& dir, Index from,
                                                             const Options& options) {
  if (Result<void> valid = options.validate(); !valid) return valid.error();
  Result<FileDescriptor> lock = lock_dir(dir);
  if (!lock) {
    if (!exists(dir)) return Error{fmt::format("wal: no WAL in {}", dir), kErrNotFound};
    return lock.error();
  }
  Result<DirRecovery> found = recover_dir(dir, from, options.expected_identity);
  if (!found) return found.error();
  if (found->torn) {
    if (Result<void> repaired = repair_tail(dir, *found, options.segment_bytes); !repaired) {
      return repaired.error();
    }
  }
  if (Result<void> cleaned = remove_temp_files(dir); !cleaned) return cleaned.error();
  Result<SegmentWriter> writer =
      SegmentWriter::resume(dir, found->segments.back(), found->last_end_offset, found->last_crc,
                            found->last_has_body, options.segment_bytes);
  if (!writer) return writer.error();
  Recovered& recovered = found->recovered;
  std::unique_ptr<Wal> wal(
      new Wal(dir, std::move(*lock), recovered.identity, options, std::move(*writer)));
  wal->segments_ = found->segments;
  wal->hard_state_ = recovered.hard_state;
  wal->marker_ = recovered.snapshot;
  wal->last_index_ = found->last_index;
  return std::make_pair(std::move(wal), std::move(recovered));
}

Result<void> Wal::check_usable() const {
  if (failed_) {
    return Error{fmt::format("wal: unusable after an earlier failure: {}", failed_->message),
                 kErrFailed};
  }
  return Ok{};
}

Result<void> Wal::fail(const Error& error) {
  spdlog::error("wal: {}; the log is now unusable", error.message);
  failed_ = error;
  return error;
}

Result<void> Wal::save(const raft::HardState& state, const std::vector<raft::Entry>& entries,
                       bool must_sync) {
  if (Result<void> usable = check_usable(); !usable) return usable;
  if (!entries.empty()) {
    ETCD_ASSERT(entries.front().index <= last_index_ + 1, "entries must not leave a gap");
  }
  for (size_t k = 0; k < entries.size(); ++k) {
    ETCD_ASSERT(k == 0 || entries[k].index == entries[k - 1].index + 1,
                "entries must be contiguous");
    scratch_.clear();
    raft::encode(entries[k], scratch_);
    if (Result<void> added = add_record(RecordType::entry); !added) return added;
    last_index_ = entries[k].index;
  }
  if (!state.empty()) {
    scratch_.clear();
    raft::encode(state, scratch_);
    if (Result<void> added = add_record(RecordType::hard_state); !added) return added;
    hard_state_ = state;
  }
  if (Result<void> flushed = writer_.flush(); !flushed) return fail(flushed.error());
  return must_sync ? sync() : Result<void>(Ok{});
}

Result<void> Wal::sync() {
  if (Result<void> usable = check_usable(); !usable) return usable;
  if (Result<void> synced = writer_.sync(); !synced) return fail(synced.error());
  return Ok{};
}

Result<void> Wal::save_snapshot_marker(const SnapshotMarker& marker) {
  if (Result<void> usable = check_usable(); !usable) return usable;
  scratch_.clear();
  raft::encode(raft::SnapshotMetadata{marker.index, marker.term, {}}, scratch_);
  if (Result<void> added = add_record(RecordType::snapshot_marker); !added) return added;
  if (Result<void> flushed = writer_.flush(); !flushed) return fail(flushed.error());
  if (Result<void> synced = sync(); !synced) return synced;
  marker_ = marker;
  last_index_ = std::max(last_index_, marker.index);
  return Ok{};
}

Result<void> Wal::add_record(RecordType type) {
  if (!writer_.fits(scratch_.size())) {
    if (Result<void> cut_done = cut(); !cut_done) return cut_done;
  }
  writer_.append(type, scratch_);
  return Ok{};
}

Result<void> Wal::cut() {
  // The closing segment is durable before the next one exists, so after any crash only
  // the last segment can have a torn tail.
  if (Result<void> flushed = writer_.flush(); !flushed) return fail(flushed.error());
  if (Result<void> synced = writer_.sync(); !synced) return fail(synced.error());
  const SegmentName next{writer_.name().seq + 1, last_index_ + 1};
  const SegmentHead head{writer_.crc(), identity_, hard_state_, marker_};
  Result<SegmentWriter> created = SegmentWriter::create(dir_, next, head, options_.segment_bytes);
  if (!created) return fail(created.error());
  writer_ = std::move(*created);
  segments_.push_back(next);
  spdlog::debug("wal: started segment {}", writer_.path());
  return Ok{};
}

void Wal::release_before(Index index) {
  released_ = std::max(released_, index);
}

Result<size_t> Wal::purge(uint32_t max_wals) {
  if (max_wals == 0 || segments_.size() <= max_wals) return size_t{0};
  // Never release past the newest snapshot marker: open(from = marker) needs the
  // segment holding marker + 1 and everything after it.
  const Index limit = std::min(released_, marker_ ? marker_->index : Index{0});
  size_t keep_from = 0;  // the segment containing `limit`
  for (size_t j = 0; j < segments_.size(); ++j) {
    if (segments_[j].first_index <= limit) keep_from = j;
  }
  const size_t count = std::min(keep_from, segments_.size() - max_wals);
  for (size_t j = 0; j < count; ++j) {
    const std::string path = join_path(dir_, segments_.front().file_name());
    if (Result<void> gone = remove_file(path); !gone) return gone.error();
    segments_.erase(segments_.begin());  // oldest first: the rest stay contiguous
    spdlog::info("wal: purged segment {}", path);
  }
  if (count > 0) {
    if (Result<void> synced = sync_dir(dir_); !synced) return synced.error();
  }
  return count;
}

}  // namespace etcd::wal
