// Snapshot timing from the outside, the same rule for etcd2 and etcd: one connection
// writes a key again and again; once the member's log shows "saved snapshot at index N",
// the snapshot time is that line's timestamp minus the moment the response to the write
// at raft index N (X-Raft-Index) arrived, i.e. from the apply that triggered it to the
// snapshot being on disk. Also reported: the largest write latency seen after that
// write (how long serving stalled while the snapshot was taken).
//
// Log lines of both servers start with local time to the microsecond
// ("2026-01-02 15:04:05.000000"), which this parses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "etcd/common/asio.h"

namespace bench {

struct SnapshotTiming {
  double seconds = -1;  // -1: no snapshot seen
  double stall_s = -1;
  uint64_t index = 0;
  std::string note;
};

// Writes through `endpoint` until a new snapshot line appears in `log_path` after byte
// `log_offset`, at most `writes_max` writes.
SnapshotTiming probe_snapshot(const boost::asio::ip::tcp::endpoint& endpoint,
                              const std::string& log_path, uint64_t log_offset,
                              uint64_t writes_max);

// Seconds since the epoch of a line starting "YYYY-MM-DD HH:MM:SS.ffffff" (local time).
std::optional<double> log_line_time(std::string_view line);

}  // namespace bench
