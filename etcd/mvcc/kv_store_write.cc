// KvStore's writes: put and delete_range, and the bookkeeping every write request shares
// (one main revision, sub revisions in order, the live-key table, events).
#include <sqlite3.h>

#include "etcd/common/assert.h"
#include "etcd/mvcc/error.h"
#include "etcd/mvcc/kv_store.h"
#include "etcd/mvcc/meta_names.h"

namespace etcd::mvcc {

KvStore::Write KvStore::start(std::vector<Event>* events) {
  return Write{current_revision(), 0, events};
}

void KvStore::finish(const Write& write) {
  if (write.changes > 0) table_.set_meta(kCurrentRevisionName, write.begin + 1);
}

void KvStore::record(Write& write, Row row, std::optional<KeyValue> prev) {
  // The caller's transaction makes this change atomic with the rest of the raft entry
  // and with the applied index; outside one it would be committed half-way.
  ETCD_ASSERT(sqlite3_get_autocommit(db_.handle()) == 0,
              "mvcc writes must run inside the caller's SQLite transaction");
  row.kv.mod_revision = write.begin + 1;
  row.sub = write.changes++;
  table_.insert(row);
  if (write.events == nullptr) return;
  Event event;
  event.type = row.tombstone ? EventType::kDelete : EventType::kPut;
  event.revision = row.revision();
  event.kv = std::move(row.kv);
  event.prev_kv = std::move(prev);
  write.events->push_back(std::move(event));
}

// Precondition: the request is valid and, with ignore_value/ignore_lease, the key is live.
PutResponse KvStore::apply_put(Write& write, const PutRequest& request) {
  std::optional<KeyValue> prev = table_.live(request.key);
  const int64_t main = write.begin + 1;
  Row row;
  row.kv.key = request.key;
  // A live key continues its generation; otherwise this put starts a new one.
  row.kv.create_revision = prev ? prev->create_revision : main;
  row.kv.version = prev ? prev->version + 1 : 1;
  row.kv.value = request.ignore_value ? prev->value : request.value;
  row.kv.lease = request.ignore_lease ? prev->lease : request.lease;
  PutResponse response;
  response.revision = main;
  if (request.prev_kv) response.prev_kv = prev;
  record(write, std::move(row), std::move(prev));
  return response;
}

DeleteRangeResponse KvStore::apply_delete(Write& write, const DeleteRangeRequest& request) {
  std::vector<KeyValue> doomed = live_rows(KeyRange::of(request.key, request.range_end));
  DeleteRangeResponse response;
  response.deleted = static_cast<int64_t>(doomed.size());
  for (const KeyValue& kv : doomed) {
    Row tombstone;
    tombstone.kv.key = kv.key;
    tombstone.tombstone = true;
    record(write, std::move(tombstone), kv);
  }
  response.revision = write.current();
  if (request.prev_kv) response.prev_kvs = std::move(doomed);
  return response;
}

Result<PutResponse> KvStore::put(const PutRequest& request, std::vector<Event>* events) {
  if (auto valid = validate(request); !valid) return valid.error();
  if ((request.ignore_value || request.ignore_lease) && !table_.live(request.key)) {
    return make_error(ErrorCode::kKeyNotFound);
  }
  if (auto leased = check_lease(request); !leased) return leased.error();
  if (space_exceeded()) return make_error(ErrorCode::kNoSpace);
  Write write = start(events);
  PutResponse response = apply_put(write, request);
  finish(write);
  return response;
}

Result<DeleteRangeResponse> KvStore::delete_range(const DeleteRangeRequest& request,
                                                  std::vector<Event>* events) {
  if (auto valid = validate(request); !valid) return valid.error();
  Write write = start(events);
  DeleteRangeResponse response = apply_delete(write, request);
  finish(write);
  return response;
}

}  // namespace etcd::mvcc
