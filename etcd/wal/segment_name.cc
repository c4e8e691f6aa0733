#include "etcd/wal/segment_name.h"

#include <fmt/format.h>

namespace etcd::wal {
namespace {

std::optional<uint64_t> parse_hex16(std::string_view s) {
  if (s.size() != 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    uint64_t digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<uint64_t>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
    v = (v << 4) | digit;
  }
  return v;
}

}  // namespace

std::string SegmentName::file_name() const {
  return fmt::format("{:016x}-{:016x}{}", seq, first_index.value, kSegmentSuffix);
}

std::optional<SegmentName> SegmentName::parse(std::string_view file_name) {
  constexpr size_t kLength = 16 + 1 + 16 + kSegmentSuffix.size();
  if (file_name.size() != kLength || file_name[16] != '-' ||
      file_name.substr(33) != kSegmentSuffix) {
    return std::nullopt;
  }
  const std::optional<uint64_t> seq = parse_hex16(file_name.substr(0, 16));
  const std::optional<uint64_t> index = parse_hex16(file_name.substr(17, 16));
  if (!seq || !index) return std::nullopt;
  return SegmentName{*seq, Index{*index}};
}

}  // namespace etcd::wal
