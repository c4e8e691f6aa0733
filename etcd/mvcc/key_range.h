// etcd's key-range conventions in one place: (key, range_end) → the set of keys it
// names, the prefix helper clients use, and interval tests for txn validation. Keys are
// compared byte by byte (Go bytes.Compare, SQLite BLOB order).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace etcd::mvcc {

struct KeyRange {
  std::string begin;
  // nullopt: no upper bound. Meaningless when `single`.
  std::optional<std::string> end;
  bool single = false;  // exactly the key `begin`

  // etcd's reading of a request's (key, range_end): range_end empty → the single key;
  // "\0" → every key >= key; otherwise [key, range_end) (empty when range_end <= key).
  static KeyRange of(std::string_view key, std::string_view range_end);

  bool contains(std::string_view key) const;
  // Whether the two ranges share a key.
  bool overlaps(const KeyRange& other) const;
};

// The range_end that names every key starting with `prefix` (clientv3.GetPrefixRangeEnd):
// the prefix with its last byte below 0xff incremented and the 0xff bytes after it
// dropped; "\0" (all keys) when there is no such byte.
std::string prefix_range_end(std::string_view prefix);

}  // namespace etcd::mvcc
