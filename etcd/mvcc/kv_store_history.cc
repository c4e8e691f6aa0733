// KvStore over history: compaction, the event feed for watchers, the keyspace hash.
#include <sqlite3.h>

#include "etcd/common/assert.h"
#include "etcd/mvcc/error.h"
#include "etcd/mvcc/hash.h"
#include "etcd/mvcc/kv_store.h"
#include "etcd/mvcc/meta_names.h"

namespace etcd::mvcc {

// Only keys with a revision in (previous compaction, revision] can have anything left to
// remove: a key untouched since the last compaction already has one row at most below it.
// So the cost follows the history written since, not the keyspace.
Result<CompactionResponse> KvStore::compact(const CompactionRequest& request) {
  const int64_t current = current_revision();
  const int64_t compacted = compact_revision();
  if (request.revision <= compacted) return make_error(ErrorCode::kCompacted);
  if (request.revision > current) return make_error(ErrorCode::kFutureRevision);
  ETCD_ASSERT(sqlite3_get_autocommit(db_.handle()) == 0,
              "mvcc compaction must run inside the caller's SQLite transaction");
  for (const std::string& key : table_.keys_changed(compacted, request.revision)) {
    std::optional<Row> kept = table_.latest_at(key, request.revision);
    ETCD_ASSERT(kept.has_value(), "a key changed in the compacted span has a row there");
    table_.remove_before(key, kept->kv.mod_revision);
    // A key deleted at or before the revision leaves no trace (etcd drops its generation).
    if (kept->tombstone) table_.remove(key, kept->kv.mod_revision);
  }
  table_.set_meta(kCompactRevisionName, request.revision);
  return CompactionResponse{current};
}

Result<std::vector<Event>> KvStore::events(int64_t first, int64_t last, size_t limit,
                                           bool prev_kv) {
  store::ReadScope snapshot(db_);
  if (first < compact_revision()) return make_error(ErrorCode::kCompacted);
  const int64_t current = current_revision();
  if (last <= 0 || last > current) last = current;
  std::vector<Event> events;
  table_.scan_revisions(first, last, [&](const Row& row) {
    if (limit > 0 && events.size() >= limit && events.back().revision.main != row.kv.mod_revision) {
      return false;
    }
    Event event;
    event.type = row.tombstone ? EventType::kDelete : EventType::kPut;
    event.revision = row.revision();
    event.kv = row.kv;
    if (prev_kv) {
      // The key's previous revision survives compaction only if the key was live at the
      // compact revision, exactly when etcd's read at mod_revision - 1 would find it.
      auto prev = table_.latest_at(row.kv.key, row.kv.mod_revision - 1);
      if (prev && !prev->tombstone) event.prev_kv = std::move(prev->kv);
    }
    events.push_back(std::move(event));
    return true;
  });
  return events;
}

Result<HashKvResponse> KvStore::hash_kv(int64_t revision) {
  store::ReadScope snapshot(db_);
  const int64_t current = current_revision();
  const int64_t compacted = compact_revision();
  if (revision > 0 && revision <= compacted) return make_error(ErrorCode::kCompacted);
  if (revision > current) return make_error(ErrorCode::kFutureRevision);
  KeyspaceHash hash;
  table_.scan_revisions(1, revision == 0 ? current : revision, [&](const Row& row) {
    hash.add(row);
    return true;
  });
  return HashKvResponse{hash.value(), compacted, current};
}

}  // namespace etcd::mvcc
