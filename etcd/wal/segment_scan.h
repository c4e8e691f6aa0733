// Reading one segment file's bytes: decode its records in order and, when they stop
// before a clean end, decide whether what follows is a torn tail (a write cut short by a
// crash, which open() may truncate) or corruption (which open() must refuse). Pure: no
// files, no Raft rules; the torn-tail rule is documented in etcd/wal/README.md.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "etcd/common/result.h"
#include "etcd/wal/record.h"

namespace etcd::wal {

// Sector size assumed for the "lost sector" signature of a power cut (README.md).
inline constexpr uint64_t kSectorBytes = 512;

struct ScanFailure {
  uint64_t offset = 0;  // of the first byte that is not a good record
  std::string reason;
  bool torn = false;  // true: a crash artifact that may be truncated at `offset`
};

struct SegmentScan {
  uint64_t end_offset = 0;             // first byte after the last good record
  uint32_t final_crc = 0;              // chained crc of the last good record (0 if none)
  uint64_t records = 0;                // good records visited
  std::optional<ScanFailure> failure;  // unset: the records end cleanly at end_offset
};

// Called for every good record, in file order. An error stops the scan; it is reported
// as a non-torn failure at the record's offset (a record whose CRC matched but whose
// content is wrong was written that way: it is never a torn write).
using RecordVisitor = std::function<Result<void>(const Record&)>;

// Scans `bytes`, one whole segment file. `tail_may_tear` is true only for the last
// segment; a bad record there is classified by is_torn_tail(), except within the first
// `head_records` records (the segment head, which is durable before the segment exists).
SegmentScan scan_segment(std::string_view bytes, bool tail_may_tear, uint64_t head_records,
                         const RecordVisitor& visit);

// The torn-tail rule (README.md "Torn tail"): the bad record at `bad_offset` is torn if no
// intact record header starts at any 8-byte-aligned offset at or after `scan_from`, or if
// the stretch from `bad_offset` up to the first such header contains a zero-filled
// sector-aligned chunk (a sector lost in a power cut). Otherwise it is corruption.
bool is_torn_tail(std::string_view bytes, uint64_t bad_offset, uint64_t scan_from);

}  // namespace etcd::wal
