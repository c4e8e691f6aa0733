#include "etcd/wal/segment_scan.h"

#include <algorithm>

namespace etcd::wal {
namespace {

bool all_zero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

std::optional<uint64_t> next_intact_header(std::string_view bytes, uint64_t from) {
  uint64_t at = (from + kRecordAlignBytes - 1) & ~uint64_t{kRecordAlignBytes - 1};
  for (; at + kRecordHeaderBytes <= bytes.size(); at += kRecordAlignBytes) {
    if (header_intact_at(bytes, at)) return at;
  }
  return std::nullopt;
}

// A sector the disk never wrote reads back as zeros (segments are preallocated). The
// first chunk runs from `begin` to the next sector boundary: the sector holding the start
// of an unsynced write may keep its old contents, which are zeros after `begin`.
bool has_zero_sector_chunk(std::string_view bytes, uint64_t begin, uint64_t end) {
  uint64_t chunk_begin = begin;
  while (chunk_begin < end) {
    const uint64_t boundary = (chunk_begin / kSectorBytes + 1) * kSectorBytes;
    const uint64_t chunk_end = std::min(boundary, end);
    const bool whole_or_first = chunk_begin == begin || chunk_end - chunk_begin == kSectorBytes;
    if (whole_or_first && all_zero(bytes.substr(chunk_begin, chunk_end - chunk_begin))) {
      return true;
    }
    chunk_begin = chunk_end;
  }
  return false;
}

}  // namespace

bool is_torn_tail(std::string_view bytes, uint64_t bad_offset, uint64_t scan_from) {
  if (bad_offset >= bytes.size()) return true;
  const std::optional<uint64_t> next = next_intact_header(bytes, scan_from);
  if (!next) return true;
  return has_zero_sector_chunk(bytes, bad_offset, *next);
}

SegmentScan scan_segment(std::string_view bytes, bool tail_may_tear, uint64_t head_records,
                         const RecordVisitor& visit) {
  SegmentScan scan;
  RecordDecoder decoder(bytes);
  Record record;
  DecodeStatus status = DecodeStatus::end;
  while ((status = decoder.next(record)) == DecodeStatus::record) {
    Result<void> visited = visit(record);
    if (!visited) {
      scan.failure = ScanFailure{record.offset, visited.error().message, false};
      return scan;
    }
    scan.end_offset = decoder.offset();
    scan.final_crc = decoder.crc();
    ++scan.records;
  }
  if (status == DecodeStatus::end) return scan;
  const uint64_t bad = decoder.failure_offset();
  scan.failure = ScanFailure{bad, decoder.failure_reason(), false};
  if (tail_may_tear && scan.records >= head_records) {
    const uint64_t resume = decoder.failed_header_intact() ? bad + decoder.failed_record_bytes()
                                                           : bad + kRecordAlignBytes;
    scan.failure->torn = is_torn_tail(bytes, bad, resume);
  }
  return scan;
}

}  // namespace etcd::wal
