// A bbolt bucket as plain data: its key/value pairs and its nested buckets. What the writer
// takes and the reader gives back.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace etcd::bolt {

struct Bucket {
  // In strictly increasing key order (bytes compared unsigned, as Go's bytes.Compare); a
  // key is never empty and never also the name of a nested bucket.
  std::vector<std::pair<std::string, std::string>> values;
  std::map<std::string, Bucket> buckets;

  bool operator==(const Bucket&) const = default;
};

}  // namespace etcd::bolt
