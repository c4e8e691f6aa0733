// SegmentWriter: the one segment the WAL appends to — its file, the offset where the
// next record goes, the running chained crc, and the buffer one save() fills so the
// whole batch reaches the kernel in a single write. Knows framing and file creation;
// never decides when to sync or when to start a new segment (wal.h does).
//
// Not thread-safe: owned by the Wal, used from the raft loop only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "etcd/common/result.h"
#include "etcd/raft/types.h"
#include "etcd/wal/file_io.h"
#include "etcd/wal/record.h"
#include "etcd/wal/segment_name.h"
#include "etcd/wal/types.h"

namespace etcd::wal {

// What every segment starts with, so that it can be read without the segments before it.
struct SegmentHead {
  uint32_t prev_crc = 0;  // crc the previous segment ended with (0 for the first)
  Identity identity;
  raft::HardState hard_state;            // latest saved; omitted when empty
  std::optional<SnapshotMarker> marker;  // latest saved
};

class SegmentWriter {
 public:
  // Creates <dir>/<name> as a .tmp file, preallocates `segment_bytes`, writes the head,
  // fdatasyncs, renames it into place and fsyncs `dir`. Durable on return; on error the
  // final name does not exist (a stray .tmp may remain; open() removes those).
  static Result<SegmentWriter> create(const std::string& dir, const SegmentName& name,
                                      const SegmentHead& head, uint64_t segment_bytes);

  // Continues <dir>/<name>, whose good records end at `end_offset` with chained crc
  // `crc`; `has_body` says whether any record follows the head.
  static Result<SegmentWriter> resume(const std::string& dir, const SegmentName& name,
                                      uint64_t end_offset, uint32_t crc, bool has_body,
                                      uint64_t segment_bytes);

  // Whether a record with this payload still belongs in this segment: it fits in
  // segment_bytes, or nothing but the head has been written yet (an oversized record
  // gets a segment to itself, which grows past segment_bytes).
  bool fits(uint64_t payload_bytes) const;

  // Buffers one record (not yet written, not durable).
  void append(RecordType type, std::string_view payload);

  // Writes the buffered records at the end of the file (one pwrite). Not durable.
  Result<void> flush();
  // fdatasync: everything flushed so far is durable on return.
  Result<void> sync();

  const SegmentName& name() const { return name_; }
  const std::string& path() const { return path_; }
  uint32_t crc() const { return crc_; }
  uint64_t end_offset() const { return offset_ + buffer_.size(); }

 private:
  SegmentWriter(std::string path, SegmentName name, FileDescriptor fd, uint64_t offset,
                uint32_t crc, bool has_body, uint64_t segment_bytes);

  std::string path_;
  SegmentName name_;
  FileDescriptor fd_;
  uint64_t offset_ = 0;  // file offset of buffer_[0]
  uint32_t crc_ = 0;
  bool has_body_ = false;
  uint64_t segment_bytes_ = 0;
  std::string buffer_;
};

}  // namespace etcd::wal
