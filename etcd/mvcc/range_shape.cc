#include "etcd/mvcc/range_shape.h"

#include <algorithm>
#include <functional>

namespace etcd::mvcc {
namespace {

bool has_filter(const RangeRequest& r) {
  return r.min_mod_revision != 0 || r.max_mod_revision != 0 || r.min_create_revision != 0 ||
         r.max_create_revision != 0;
}

void filter(const RangeRequest& r, std::vector<KeyValue>& kvs) {
  std::erase_if(kvs, [&](const KeyValue& kv) {
    return (r.max_mod_revision != 0 && kv.mod_revision > r.max_mod_revision) ||
           (r.min_mod_revision != 0 && kv.mod_revision < r.min_mod_revision) ||
           (r.max_create_revision != 0 && kv.create_revision > r.max_create_revision) ||
           (r.min_create_revision != 0 && kv.create_revision < r.min_create_revision);
  });
}

// -1, 0, 1 as `a` sorts before, with, after `b` on `target`.
int compare_on(SortTarget target, const KeyValue& a, const KeyValue& b) {
  auto three_way = [](const auto& x, const auto& y) { return x < y ? -1 : (y < x ? 1 : 0); };
  switch (target) {
    case SortTarget::kKey:
      return three_way(a.key, b.key);
    case SortTarget::kVersion:
      return three_way(a.version, b.version);
    case SortTarget::kCreate:
      return three_way(a.create_revision, b.create_revision);
    case SortTarget::kMod:
      return three_way(a.mod_revision, b.mod_revision);
    case SortTarget::kValue:
      return three_way(a.value, b.value);
  }
  return 0;
}

void sort(const RangeRequest& r, std::vector<KeyValue>& kvs) {
  SortOrder order = r.sort_order;
  if (r.sort_target != SortTarget::kKey && order == SortOrder::kNone) order = SortOrder::kAscend;
  if (order == SortOrder::kNone) return;
  const int sign = order == SortOrder::kAscend ? 1 : -1;
  std::stable_sort(kvs.begin(), kvs.end(), [&](const KeyValue& a, const KeyValue& b) {
    return sign * compare_on(r.sort_target, a, b) < 0;
  });
}

}  // namespace

int64_t rows_to_read(const RangeRequest& request) {
  if (request.sort_order != SortOrder::kNone || has_filter(request)) return 0;
  return request.limit > 0 ? request.limit + 1 : 0;
}

void shape_range(const RangeRequest& request, std::vector<KeyValue>& kvs, bool& more) {
  filter(request, kvs);
  sort(request, kvs);
  more = false;
  if (request.limit > 0 && kvs.size() > static_cast<size_t>(request.limit)) {
    kvs.resize(static_cast<size_t>(request.limit));
    more = true;
  }
  if (request.keys_only) {
    for (KeyValue& kv : kvs)
      kv.value.clear();
  }
}

}  // namespace etcd::mvcc
