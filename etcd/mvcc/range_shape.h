// What etcd's applier does to a range's rows after reading them (apply.go Range): the
// min/max mod/create revision filters, the sort, the limit with `more`, keys_only. Pure
// functions over the rows, which arrive in ascending key order.
#pragma once

#include <cstdint>
#include <vector>

#include "etcd/mvcc/request.h"

namespace etcd::mvcc {

// How many rows the store must read, in key order: all of them (0) when a sort order or a
// filter is given, else limit + 1 so `more` can be told (0 when there is no limit). As in
// etcd 3.4, a non-KEY sort target with order NONE (sorted ASCEND) does not count: only
// the first limit + 1 keys are sorted then.
int64_t rows_to_read(const RangeRequest& request);

// Filters, sorts (etcd sorts ASCEND when the target is not KEY and the order is NONE;
// KEY/NONE keeps key order), cuts to the limit and drops values for keys_only. The sort is
// stable: ties stay in key order (Go's sort.Sort is not stable, but is for the few rows
// insertion sort handles, and this is the deterministic choice).
void shape_range(const RangeRequest& request, std::vector<KeyValue>& kvs, bool& more);

}  // namespace etcd::mvcc
