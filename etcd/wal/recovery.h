// Recovery: reads a WAL directory and decides, without changing anything on disk, what
// the log holds and whether its last segment ends in a torn tail. Wal::open() (wal.h)
// then repairs the tail and resumes appending. The algorithm is README.md "Recovery".
//
// Never modifies files; every refusal names the file and byte offset it stopped at.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "etcd/common/result.h"
#include "etcd/wal/segment_name.h"
#include "etcd/wal/segment_scan.h"
#include "etcd/wal/types.h"

namespace etcd::wal {

struct DirRecovery {
  Recovered recovered;
  std::vector<SegmentName> segments;  // every segment in the directory, by sequence
  uint64_t last_end_offset = 0;       // good records of the last segment end here
  uint32_t last_crc = 0;              // chained crc of the last good record
  bool last_has_body = false;         // the last segment has records after its head
  Index last_index;                   // see Replay::last_index()
  std::optional<ScanFailure> torn;    // set: truncate the last segment at last_end_offset
  uint64_t torn_bytes = 0;            // non-zero bytes a repair would discard
};

// Segment names in `dir`, sorted by sequence; other files are ignored.
Result<std::vector<SegmentName>> list_segments(const std::string& dir);

// Reads the segments needed to return the entries after `from`: from the last segment
// whose first_index <= from + 1, to the end. Errors: kErrNotFound (no segment),
// kErrCompacted (no segment reaches back to from + 1), kErrCorrupt (damage before the
// tail; message "<path> at offset <n>: <reason>"), kErrIdentityMismatch, kErrIo.
Result<DirRecovery> recover_dir(const std::string& dir, Index from,
                                const std::optional<Identity>& expected);

}  // namespace etcd::wal
