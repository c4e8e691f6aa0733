// Names of WAL segment files: "%016x-%016x.wal" (sequence number, first raft index),
// lowercase hex, and the ".tmp" suffix of a segment still being prepared. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "etcd/common/ids.h"

namespace etcd::wal {

inline constexpr std::string_view kSegmentSuffix = ".wal";
inline constexpr std::string_view kTempSuffix = ".tmp";

struct SegmentName {
  uint64_t seq = 0;  // 0 for the first segment, +1 for each next one
  // The index after the last entry written before this segment was created (0 for the
  // first segment): every entry still live in earlier segments is below it.
  Index first_index;

  std::string file_name() const;
  // Parses exactly the format above; anything else (including ".tmp" files) is nullopt.
  static std::optional<SegmentName> parse(std::string_view file_name);

  bool operator==(const SegmentName&) const = default;
};

}  // namespace etcd::wal
