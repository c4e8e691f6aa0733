#include "etcd/wal/recovery.h"

#include <sys/stat.h>

#include <algorithm>

#include <fmt/format.h>

#include "etcd/wal/file_io.h"
#include "etcd/wal/replay.h"

namespace etcd::wal {
namespace {

// Records every segment starts with: crc, then metadata (README.md "Segments").
constexpr uint64_t kHeadRecords = 2;

Error corrupt_at(const std::string& path, uint64_t offset, const std::string& reason) {
  return Error{fmt::format("wal: corrupt record in {} at offset {}: {}", path, offset, reason),
               kErrCorrupt};
}

uint64_t nonzero_bytes_from(std::string_view bytes, uint64_t offset) {
  const size_t last = bytes.find_last_not_of('\0');
  if (last == std::string_view::npos || last < offset) return 0;
  return last + 1 - offset;
}

// Segments from `start` on must be consecutive. Gaps before it are harmless: nothing
// there is needed (a power cut during a purge may keep an older file but not a newer one).
Result<void> check_sequence(const std::string& dir, const std::vector<SegmentName>& segments,
                            size_t start) {
  for (size_t j = start + 1; j < segments.size(); ++j) {
    if (segments[j].seq != segments[j - 1].seq + 1) {
      return Error{fmt::format("wal: segment sequence in {} goes from {:016x} to {:016x} "
                               "(a segment file is missing or duplicated)",
                               dir, segments[j - 1].seq, segments[j].seq),
                   kErrCorrupt};
    }
  }
  return Ok{};
}

// The last segment whose first_index <= from + 1: every entry still live in the
// segments before it is <= from (README.md "Recovery").
std::optional<size_t> first_needed(const std::vector<SegmentName>& segments, Index from) {
  std::optional<size_t> start;
  for (size_t j = 0; j < segments.size(); ++j) {
    if (segments[j].first_index <= from + 1) start = j;
  }
  return start;
}

Error identity_mismatch(const std::string& dir, const Identity& found, const Identity& want) {
  return Error{fmt::format("wal: {} belongs to member {:x} in cluster {:x}, but this member "
                           "is {:x} in cluster {:x}; refusing to use another member's log",
                           dir, found.member_id.value, found.cluster_id, want.member_id.value,
                           want.cluster_id),
               kErrIdentityMismatch};
}

struct SegmentContext {
  const std::string& path;
  bool last;
  std::optional<uint32_t> prev_crc;
};

Result<SegmentScan> recover_segment(const SegmentContext& segment, Replay& replay,
                                    DirRecovery& out) {
  Result<std::string> bytes = read_file(segment.path);
  if (!bytes) return bytes.error();
  replay.begin_segment(segment.prev_crc);
  SegmentScan scan = scan_segment(*bytes, segment.last, kHeadRecords,
                                  [&replay](const Record& r) { return replay.add(r); });
  if (scan.failure && !(segment.last && scan.failure->torn)) {
    return corrupt_at(segment.path, scan.failure->offset, scan.failure->reason);
  }
  if (scan.records < kHeadRecords) {
    return corrupt_at(segment.path, scan.end_offset, "segment lacks its crc + metadata head");
  }
  if (segment.last) {
    out.last_end_offset = scan.end_offset;
    out.last_crc = scan.final_crc;
    out.last_has_body = scan.records > kHeadRecords;
    if (scan.failure) {
      out.torn = scan.failure;
      out.torn_bytes = nonzero_bytes_from(*bytes, scan.end_offset);
    }
  }
  return scan;
}

}  // namespace

Result<std::vector<SegmentName>> list_segments(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    return Error{fmt::format("wal: no WAL directory {}", dir), kErrNotFound};
  }
  Result<std::vector<std::string>> names = list_dir(dir);
  if (!names) return names.error();
  std::vector<SegmentName> segments;
  for (const std::string& name : *names) {
    if (std::optional<SegmentName> parsed = SegmentName::parse(name)) segments.push_back(*parsed);
  }
  std::sort(segments.begin(), segments.end(),
            [](const SegmentName& a, const SegmentName& b) { return a.seq < b.seq; });
  return segments;
}

Result<DirRecovery> recover_dir(const std::string& dir, Index from,
                                const std::optional<Identity>& expected) {
  Result<std::vector<SegmentName>> segments = list_segments(dir);
  if (!segments) return segments.error();
  if (segments->empty()) return Error{fmt::format("wal: no segments in {}", dir), kErrNotFound};
  const std::optional<size_t> start = first_needed(*segments, from);
  if (!start) {
    return Error{fmt::format("wal: {} cannot supply entries after {}: its oldest segment {} "
                             "starts later (purged?)",
                             dir, from.value, segments->front().file_name()),
                 kErrCompacted};
  }
  if (Result<void> ok = check_sequence(dir, *segments, *start); !ok) return ok.error();
  DirRecovery out;
  out.segments = *segments;
  Replay replay(from);
  std::optional<uint32_t> prev_crc;
  for (size_t j = *start; j < segments->size(); ++j) {
    const std::string path = join_path(dir, (*segments)[j].file_name());
    Result<SegmentScan> scan =
        recover_segment({path, j + 1 == segments->size(), prev_crc}, replay, out);
    if (!scan) return scan.error();
    if (expected && replay.identity() && *replay.identity() != *expected) {
      return identity_mismatch(dir, *replay.identity(), *expected);
    }
    prev_crc = scan->final_crc;
  }
  out.last_index = replay.last_index();
  out.recovered = replay.take();
  return out;
}

}  // namespace etcd::wal
