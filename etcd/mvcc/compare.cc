#include "etcd/mvcc/compare.h"

#include <algorithm>

namespace etcd::mvcc {
namespace {

template <typename T>
int three_way(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int compare_target(const Compare& c, const KeyValue& kv) {
  switch (c.target) {
    case CompareTarget::kValue:
      return three_way(kv.value, c.value);
    case CompareTarget::kCreate:
      return three_way(kv.create_revision, c.number);
    case CompareTarget::kMod:
      return three_way(kv.mod_revision, c.number);
    case CompareTarget::kVersion:
      return three_way(kv.version, c.number);
    case CompareTarget::kLease:
      return three_way(kv.lease, c.number);
  }
  return 0;
}

}  // namespace

bool compare_kv(const Compare& compare, const KeyValue& kv) {
  const int result = compare_target(compare, kv);
  switch (compare.result) {
    case CompareResult::kEqual:
      return result == 0;
    case CompareResult::kNotEqual:
      return result != 0;
    case CompareResult::kGreater:
      return result > 0;
    case CompareResult::kLess:
      return result < 0;
  }
  return true;  // etcd: an unknown result passes
}

bool compare_rows(const Compare& compare, const std::vector<KeyValue>& rows) {
  if (rows.empty()) {
    return compare.target != CompareTarget::kValue && compare_kv(compare, KeyValue{});
  }
  return std::all_of(rows.begin(), rows.end(),
                     [&](const KeyValue& kv) { return compare_kv(compare, kv); });
}

}  // namespace etcd::mvcc
