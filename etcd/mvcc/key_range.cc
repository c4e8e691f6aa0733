#include "etcd/mvcc/key_range.h"

#include <algorithm>

namespace etcd::mvcc {

KeyRange KeyRange::of(std::string_view key, std::string_view range_end) {
  KeyRange range;
  range.begin = std::string(key);
  if (range_end.empty()) {
    range.single = true;
  } else if (range_end != std::string_view("\0", 1)) {
    range.end = std::string(range_end);
  }
  return range;
}

bool KeyRange::contains(std::string_view key) const {
  if (single) return key == begin;
  return key >= begin && (!end || key < *end);
}

bool KeyRange::overlaps(const KeyRange& other) const {
  if (single) return other.contains(begin);
  if (other.single) return contains(other.begin);
  // Two half-open intervals meet when each starts before the other ends (and both are
  // non-empty, which the starts-before tests imply).
  const std::string& lo = std::max(begin, other.begin);
  return (!end || lo < *end) && (!other.end || lo < *other.end);
}

std::string prefix_range_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::string("\0", 1);
}

}  // namespace etcd::mvcc
