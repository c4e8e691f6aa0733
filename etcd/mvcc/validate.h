// The checks etcd's gRPC layer makes before a request reaches raft (v3rpc/key.go:
// checkRangeRequest, checkPutRequest, checkDeleteRequest, checkTxnRequest, checkIntervals).
// The store runs them again when it applies a request, so a malformed entry in the log
// fails the same way on every member and never reaches the tables.
#pragma once

#include "etcd/common/result.h"
#include "etcd/mvcc/request.h"

namespace etcd::mvcc {

// etcd's --max-txn-ops default.
inline constexpr int kDefaultMaxTxnOps = 128;

Result<void> validate(const RangeRequest& request);
Result<void> validate(const PutRequest& request);
Result<void> validate(const DeleteRangeRequest& request);
// Op counts (compare, success, failure each <= max_txn_ops, nested txns within what is
// left), empty keys anywhere, then the duplicate-key rule: within one branch no key may be
// put twice nor put and deleted, nested txns included; a nested txn's success and failure
// may repeat each other's keys (only one of them runs). Stricter than etcd 3.4 in two
// corners that would write one key twice at one revision there: a delete with range_end
// "\0" covers every key after it, and a put conflicts with a delete in any sibling nested
// txn, whichever comes first.
Result<void> validate(const TxnRequest& request, int max_txn_ops = kDefaultMaxTxnOps);

}  // namespace etcd::mvcc
