// The v3 keyspace's tables, created beside the v2 store's in the same database (schema in
// etcd/mvcc/README.md). Runs inside a SAVEPOINT, so it is atomic on its own and becomes
// part of the caller's transaction when one is open.
#pragma once

#include "etcd/common/result.h"
#include "etcd/store/database.h"

namespace etcd::mvcc {

inline constexpr int64_t kSchemaVersion = 1;

// Creates the mvcc_* tables and meta rows if missing (a new keyspace is at revision 1,
// compacted at 0). Error: the database holds an mvcc schema of another version.
Result<void> ensure_schema(store::Database& db);

}  // namespace etcd::mvcc
