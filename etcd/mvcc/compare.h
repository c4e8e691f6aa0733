// A txn condition against the keys it names (etcd apply.go applyCompare / compareKV).
// Pure: the store reads the rows, this decides.
#pragma once

#include <vector>

#include "etcd/mvcc/request.h"

namespace etcd::mvcc {

// `kv` against the compare's target and operand.
bool compare_kv(const Compare& compare, const KeyValue& kv);
// Every row of the compare's range must pass. No rows: a VALUE compare fails (a missing
// value cannot be told from an empty one); others compare a zero KeyValue, so
// "version == 0" and "create_revision == 0" hold for a missing key.
bool compare_rows(const Compare& compare, const std::vector<KeyValue>& rows);

}  // namespace etcd::mvcc
