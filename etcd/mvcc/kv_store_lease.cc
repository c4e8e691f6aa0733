// KvStore's leases: the mvcc_leases table (id → TTL) and the keys attached to a lease,
// found through the partial index of leased rows (mvcc_revisions_by_lease), so a revoke
// or an expiry reads its own keys' rows, not every live key.
#include <sqlite3.h>

#include "etcd/common/assert.h"
#include "etcd/mvcc/error.h"
#include "etcd/mvcc/kv_store.h"

namespace etcd::mvcc {

bool KvStore::lease_exists(int64_t id) {
  return lease_ttl(id).has_value();
}

Result<void> KvStore::check_lease(const PutRequest& put) {
  if (put.ignore_lease || put.lease == 0 || lease_exists(put.lease)) return Ok{};
  return make_error(ErrorCode::kLeaseNotFound);
}

std::optional<int64_t> KvStore::lease_ttl(int64_t id) {
  store::Statement& find = db_.cached("SELECT ttl FROM mvcc_leases WHERE id = ?1");
  store::StatementScope find_scope(find);
  find.bind(1, id);
  if (!find.step()) return std::nullopt;
  return find.int64(0);
}

Result<LeaseResponse> KvStore::lease_grant(const LeaseGrantRequest& request) {
  ETCD_ASSERT(sqlite3_get_autocommit(db_.handle()) == 0,
              "mvcc writes must run inside the caller's SQLite transaction");
  if (lease_exists(request.id)) return make_error(ErrorCode::kLeaseExists);
  if (space_exceeded()) return make_error(ErrorCode::kNoSpace);
  store::Statement& insert = db_.cached("INSERT INTO mvcc_leases (id, ttl) VALUES (?1, ?2)");
  insert.bind(1, request.id).bind(2, request.ttl).run();
  return LeaseResponse{current_revision(), request.id, request.ttl};
}

Result<LeaseResponse> KvStore::lease_revoke(const LeaseRevokeRequest& request,
                                            std::vector<Event>* events) {
  ETCD_ASSERT(sqlite3_get_autocommit(db_.handle()) == 0,
              "mvcc writes must run inside the caller's SQLite transaction");
  if (!lease_exists(request.id)) return make_error(ErrorCode::kLeaseNotFound);
  // One revision for all the keys, as etcd's revoke deletes them in one txn.
  Write write = start(events);
  for (const std::string& key : lease_keys(request.id)) {
    DeleteRangeRequest del;
    del.key = key;
    apply_delete(write, del);
  }
  finish(write);
  store::Statement& remove = db_.cached("DELETE FROM mvcc_leases WHERE id = ?1");
  remove.bind(1, request.id).run();
  return LeaseResponse{write.current(), request.id, 0};
}

LeaseResponse KvStore::lease_renew(const LeaseRenewRequest& request) {
  return LeaseResponse{current_revision(), request.id, lease_ttl(request.id).value_or(0)};
}

std::vector<std::pair<int64_t, int64_t>> KvStore::leases() {
  store::Statement& all = db_.cached("SELECT id, ttl FROM mvcc_leases ORDER BY id");
  store::StatementScope all_scope(all);
  std::vector<std::pair<int64_t, int64_t>> out;
  while (all.step())
    out.emplace_back(all.int64(0), all.int64(1));
  return out;
}

std::vector<std::string> KvStore::lease_keys(int64_t id) {
  // Rows that ever carried the lease, in key order; a row is attached while it is its
  // key's live row. `lease != 0` lets SQLite use the partial index; INDEXED BY makes a
  // missing index an error at prepare rather than a silent scan of every row.
  store::Statement& keys = db_.cached(
      "SELECT r.key FROM mvcc_revisions r INDEXED BY mvcc_revisions_by_lease "
      "CROSS JOIN mvcc_keys k ON k.key = r.key AND k.main = r.main "
      "WHERE r.lease = ?1 AND r.lease != 0 ORDER BY r.key");
  store::StatementScope keys_scope(keys);
  keys.bind(1, id);
  std::vector<std::string> out;
  while (keys.step())
    out.emplace_back(keys.blob(0));
  return out;
}

AlarmResponse KvStore::alarm(const AlarmRequest& request) {
  AlarmResponse response;
  if (request.action == AlarmAction::kGet) {
    response.alarms = alarms();
    return response;
  }
  ETCD_ASSERT(sqlite3_get_autocommit(db_.handle()) == 0,
              "mvcc writes must run inside the caller's SQLite transaction");
  const AlarmMember changed{request.member_id, request.alarm};
  if (request.alarm == AlarmType::kNone) return response;
  const char* sql = request.action == AlarmAction::kActivate
                        ? "INSERT OR IGNORE INTO mvcc_alarms (member, alarm) VALUES (?1, ?2)"
                        : "DELETE FROM mvcc_alarms WHERE member = ?1 AND alarm = ?2";
  store::Statement& change = db_.cached(sql);
  change.bind(1, request.member_id).bind(2, static_cast<int64_t>(request.alarm)).run();
  if (sqlite3_changes(db_.handle()) > 0) response.alarms.push_back(changed);
  return response;
}

std::vector<AlarmMember> KvStore::alarms() {
  store::Statement& all =
      db_.cached("SELECT member, alarm FROM mvcc_alarms ORDER BY member, alarm");
  store::StatementScope all_scope(all);
  std::vector<AlarmMember> out;
  while (all.step()) {
    out.push_back({static_cast<uint64_t>(all.int64(0)), static_cast<AlarmType>(all.int64(1))});
  }
  return out;
}

bool KvStore::space_exceeded() {
  store::Statement& any = db_.cached("SELECT 1 FROM mvcc_alarms WHERE alarm = ?1 LIMIT 1");
  store::StatementScope any_scope(any);
  any.bind(1, static_cast<int64_t>(AlarmType::kNoSpace));
  return any.step();
}

}  // namespace etcd::mvcc
