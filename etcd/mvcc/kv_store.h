// KvStore: etcd 3.4's v3 keyspace (mvcc) kept in SQLite beside the v2 store's tables:
// revisions {main, sub}, per-key generations (create revision, version, tombstones),
// ranges at any revision not compacted away, put/delete/txn, compaction, events for
// watchers and a keyspace hash. Schema and invariants: etcd/mvcc/README.md.
//
// Determinism: every mutation is a function of (tables, request) only: no clock, no
// randomness, no memory of earlier calls. One write request (put, delete_range, txn)
// applied from one raft entry is at most one main revision; the same entries in the same
// order give the same bytes on every member.
// Transactions: the caller owns them. Mutations (put, delete_range, txn, compact) must run
// inside the caller's open SQLite transaction (asserted), normally the v2 store's batch
// that also writes the applied raft index, and are durable exactly when it commits. Reads
// (range, events, hash_kv) called outside a transaction run in a read transaction of their
// own (store::ReadScope); otherwise the store never runs BEGIN/COMMIT/ROLLBACK. It keeps
// no state outside the tables, and so stays right after the caller rolls back or restores
// a snapshot (re-run open() after a restore in case the image predates these tables). A failed
// request (an error Result) changed nothing. Thread: single-threaded, on the connection's owner
// thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "etcd/common/result.h"
#include "etcd/mvcc/key_range.h"
#include "etcd/mvcc/request.h"
#include "etcd/mvcc/revision_table.h"
#include "etcd/mvcc/validate.h"
#include "etcd/store/database.h"

namespace etcd::mvcc {

class KvStore {
 public:
  struct Options {
    int max_txn_ops = kDefaultMaxTxnOps;  // etcd --max-txn-ops
  };

  // Creates the tables if missing (ensure_schema) on `db`, which must outlive the store.
  static Result<std::unique_ptr<KvStore>> open(store::Database& db, Options options);
  static Result<std::unique_ptr<KvStore>> open(store::Database& db) { return open(db, Options{}); }

  // The revision of the last change (1 for a new keyspace, as etcd).
  int64_t current_revision();
  // Revisions below this one are gone (0: never compacted).
  int64_t compact_revision();

  // Range at request.revision (<= 0: current). Errors: kFutureRevision (revision >
  // current), kCompacted (revision < compact revision; reading at it is allowed), and
  // validate()'s.
  Result<RangeResponse> range(const RangeRequest& request);

  // The mutations. `events`, when given, receives every change in revision order (a
  // watcher's feed). Errors: validate()'s; put with ignore_value/ignore_lease on a missing
  // key: kKeyNotFound; txn: kFutureRevision/kCompacted for a range on the chosen path, or
  // kKeyNotFound for its puts, checked before anything is written (as etcd).
  Result<PutResponse> put(const PutRequest& request, std::vector<Event>* events = nullptr);
  // Deleting nothing changes nothing (no new revision).
  Result<DeleteRangeResponse> delete_range(const DeleteRangeRequest& request,
                                           std::vector<Event>* events = nullptr);
  // Compares and nested compares all see the keyspace before the txn; the chosen ops run in
  // order at one main revision (sub 0, 1, ...), each read seeing the writes before it. No
  // change (reads only, or deletes of nothing) = no new revision.
  Result<TxnResponse> txn(const TxnRequest& request, std::vector<Event>* events = nullptr);
  // Removes every revision below request.revision except each key's newest one at or
  // below it when the key is live there (so reads at >= revision are unchanged). Finished
  // on return. Errors: kCompacted (revision <= compact revision), kFutureRevision.
  Result<CompactionResponse> compact(const CompactionRequest& request);

  // Every change with first <= main revision <= last (last <= 0 or > current: current) in
  // revision order; with `limit` > 0, stops at the end of the main revision that reaches
  // it (a txn's events are never split). `prev_kv` adds each key's previous live value
  // when history still holds it. Error kCompacted when first < compact revision (a watcher
  // then reports compact_revision()). A first beyond current gives no events.
  Result<std::vector<Event>> events(int64_t first, int64_t last, size_t limit, bool prev_kv);

  // Leases (kv_store_lease.cc). A put (in a txn too) naming a lease that does not exist
  // fails with kLeaseNotFound. lease_revoke deletes the lease's live keys at one new
  // revision, then the lease. Mutations run inside the caller's transaction.
  Result<LeaseResponse> lease_grant(const LeaseGrantRequest& request);
  Result<LeaseResponse> lease_revoke(const LeaseRevokeRequest& request,
                                     std::vector<Event>* events = nullptr);
  // Changes nothing: answers the lease's TTL, 0 when it does not exist (etcd's keep-alive).
  LeaseResponse lease_renew(const LeaseRenewRequest& request);
  std::optional<int64_t> lease_ttl(int64_t id);
  // (id, ttl) of every lease, by id.
  std::vector<std::pair<int64_t, int64_t>> leases();
  // The live keys attached to the lease, in key order.
  std::vector<std::string> lease_keys(int64_t id);

  // Alarms (kv_store_lease.cc). While a NOSPACE alarm is raised, writes that add data
  // (a put, a txn that would run one, a lease grant) fail with kNoSpace; deletes,
  // revocations and compaction still work, so space can be freed.
  AlarmResponse alarm(const AlarmRequest& request);
  std::vector<AlarmMember> alarms();
  bool space_exceeded();

  // Hash of the history at `revision` (0: current): every stored revision with main <=
  // revision, in revision order (hash.h defines the bytes). Errors: kCompacted (revision
  // <= compact revision, as etcd's HashKV), kFutureRevision.
  Result<HashKvResponse> hash_kv(int64_t revision);

 private:
  // One write request in progress: its changes all get main = begin + 1.
  struct Write {
    int64_t begin = 0;
    int64_t changes = 0;
    std::vector<Event>* events = nullptr;
    // What a read inside the request sees as "current" (etcd storeTxnWrite.Range).
    int64_t current() const { return begin + (changes > 0 ? 1 : 0); }
  };

  KvStore(store::Database& db, Options options);

  // kv_store.cc
  Result<int64_t> read_revision(int64_t requested, int64_t current);
  RangeResponse read(const RangeRequest& request, int64_t at, int64_t current);
  std::vector<KeyValue> rows_at(const KeyRange& range, int64_t at, int64_t current, size_t max_rows,
                                int64_t& count);
  std::vector<KeyValue> live_rows(const KeyRange& range);

  // kv_store_write.cc
  Write start(std::vector<Event>* events);
  void finish(const Write& write);
  void record(Write& write, Row row, std::optional<KeyValue> prev);
  PutResponse apply_put(Write& write, const PutRequest& request);
  DeleteRangeResponse apply_delete(Write& write, const DeleteRangeRequest& request);

  // kv_store_txn.cc
  void choose_path(const TxnRequest& request, std::vector<bool>& path);
  Result<void> check_path(const TxnRequest& request, const std::vector<bool>& path, size_t& at,
                          int64_t begin);
  std::shared_ptr<TxnResponse> apply_txn(Write& write, const TxnRequest& request,
                                         const std::vector<bool>& path, size_t& at);
  ResponseOp apply_op(Write& write, const RequestOp& op, const std::vector<bool>& path, size_t& at);

  // kv_store_lease.cc
  bool lease_exists(int64_t id);
  // kLeaseNotFound when a put that would run names a missing lease.
  Result<void> check_lease(const PutRequest& put);

  store::Database& db_;
  Options options_;
  RevisionTable table_;
};

}  // namespace etcd::mvcc
