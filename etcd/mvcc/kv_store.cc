// KvStore: opening, the revision counters, and the read path (range at a revision).
#include "etcd/mvcc/kv_store.h"

#include "etcd/mvcc/error.h"
#include "etcd/mvcc/meta_names.h"
#include "etcd/mvcc/range_shape.h"
#include "etcd/mvcc/schema.h"

namespace etcd::mvcc {

Result<std::unique_ptr<KvStore>> KvStore::open(store::Database& db, Options options) {
  if (auto schema = ensure_schema(db); !schema) return schema.error();
  return std::unique_ptr<KvStore>(new KvStore(db, options));
}

KvStore::KvStore(store::Database& db, Options options) : db_(db), options_(options), table_(db) {}

int64_t KvStore::current_revision() {
  return table_.meta(kCurrentRevisionName);
}

int64_t KvStore::compact_revision() {
  return table_.meta(kCompactRevisionName);
}

Result<RangeResponse> KvStore::range(const RangeRequest& request) {
  if (auto valid = validate(request); !valid) return valid.error();
  store::ReadScope snapshot(db_);  // one WAL read lock for the request's statements
  const int64_t current = current_revision();
  auto at = read_revision(request.revision, current);
  if (!at) return at.error();
  return read(request, *at, current);
}

// etcd rangeKeys: the future check first, then the compacted one; reading at exactly the
// compact revision is allowed (compaction kept every key live there).
Result<int64_t> KvStore::read_revision(int64_t requested, int64_t current) {
  if (requested > current) return make_error(ErrorCode::kFutureRevision);
  // The current revision is never below the compact revision: no need to read it.
  if (requested <= 0 || requested == current) return current;
  if (requested < compact_revision()) return make_error(ErrorCode::kCompacted);
  return requested;
}

RangeResponse KvStore::read(const RangeRequest& request, int64_t at, int64_t current) {
  RangeResponse response;
  response.revision = current;
  const KeyRange range = KeyRange::of(request.key, request.range_end);
  if (request.count_only) {
    rows_at(range, at, current, 0, response.count);
    return response;
  }
  const int64_t wanted = rows_to_read(request);
  const size_t max_rows = wanted == 0 ? SIZE_MAX : static_cast<size_t>(wanted);
  response.kvs = rows_at(range, at, current, max_rows, response.count);
  shape_range(request, response.kvs, response.more);
  return response;
}

// The keys live at `at` in `range`, in key order, at most `max_rows` of them; `count`
// gets all of them. At the current revision only live keys are read (mvcc_keys); an older
// revision visits each key with history in the range once (two index seeks per key).
std::vector<KeyValue> KvStore::rows_at(const KeyRange& range, int64_t at, int64_t current,
                                       size_t max_rows, int64_t& count) {
  std::vector<KeyValue> kvs;
  if (at == current && range.single) {  // the common point read: one lookup
    auto kv = table_.live(range.begin);
    count = kv ? 1 : 0;
    if (kv && max_rows > 0) kvs.push_back(std::move(*kv));
    return kvs;
  }
  if (at == current) {
    count = table_.count_live(range);
    if (max_rows == 0) return kvs;
    table_.scan_live(range, [&](KeyValue&& kv) {
      kvs.push_back(std::move(kv));
      return kvs.size() < max_rows;
    });
    return kvs;
  }
  count = 0;
  auto visit = [&](const std::string& key) {
    auto row = table_.latest_at(key, at);
    if (!row || row->tombstone) return;
    ++count;
    if (kvs.size() < max_rows) kvs.push_back(std::move(row->kv));
  };
  if (range.single) {
    visit(range.begin);
    return kvs;
  }
  std::string from = range.begin;
  while (auto key = table_.next_key(range, from)) {
    visit(*key);
    from = *key + '\0';  // the smallest key after this one
  }
  return kvs;
}

std::vector<KeyValue> KvStore::live_rows(const KeyRange& range) {
  std::vector<KeyValue> kvs;
  table_.scan_live(range, [&](KeyValue&& kv) {
    kvs.push_back(std::move(kv));
    return true;
  });
  return kvs;
}

}  // namespace etcd::mvcc
