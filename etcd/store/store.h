// Store: the etcd v2 keyspace (files, directories, TTLs, in-order keys, CAS/CAD, hidden
// keys, watches, a 1000-event history, stats) kept in SQLite, behaving like etcd's v2
// store as served by etcd 3.4 (see etcd/store/README.md for schema and invariants).
//
// Owns: the database connection, the nodes/events/meta tables, the watcher hub.
// Never: reads a clock (every "now" comes in as an argument, TTL expiry only through a
// replicated SYNC), does network I/O, or uses randomness; the same requests applied in the
// same order give the same bytes on every member.
// Durability: writes are applied in batches, with the applied raft index (and the other
// meta rows) written in the SQLite transaction that commits them: one per batch, or one
// per flush() with defer_commits(). Nothing is durable before that commit; after a crash
// the server replays raft entries after the applied index on disk.
// Thread: single-threaded. The server's raft loop owns it; the API layer's reads and
// watches must run on that same thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "etcd/common/ids.h"
#include "etcd/common/result.h"
#include "etcd/store/database.h"
#include "etcd/store/error.h"
#include "etcd/store/event.h"
#include "etcd/store/event_history.h"
#include "etcd/store/node_table.h"
#include "etcd/store/request.h"
#include "etcd/store/stats.h"
#include "etcd/store/watcher.h"
#include "etcd/store/watcher_hub.h"

namespace etcd::store {

class Store {
 public:
  // Opens (creating if needed) the store database at `db_path` (e.g.
  // <data-dir>/member/db); ":memory:" gives a private in-memory store (tests, simulator).
  // Errors: the file cannot be opened, is not a store database, or has another schema.
  static Result<std::unique_ptr<Store>> open(const std::string& db_path);
  // An open batch is rolled back (as a crash would lose it); unflushed ended batches are
  // committed.
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The current etcd index: the modifiedIndex of the last v2 write (X-Etcd-Index).
  EtcdIndex index() const { return index_; }
  // The raft index recorded by the last commit_batch() (0 for a new store; on disk, the
  // last flushed one).
  Index applied_index() const { return applied_index_; }

  // Starts a batch. Precondition: no batch open.
  void begin_batch();
  // Applies one committed raft entry's request. Precondition: a batch is open and
  // raft_index is greater than every raft index applied or committed before.
  // Returns the event the client is answered with, or the v2 error (which changes nothing
  // but the failure counters). SYNC runs expire(request.time_ns) and returns an Action::sync
  // event carrying the resulting index. Watchers are notified before this returns.
  StoreResult<Event> apply(const Request& request, Index raft_index);
  // Deletes every key and directory whose expiration is <= now_ns, earliest first (ties by
  // path), each with its own index and `expire` event; a directory takes its children
  // with it. Same preconditions as apply(); apply() of a SYNC request calls it.
  std::vector<Event> expire(int64_t now_ns, Index raft_index);
  // Ends the batch at `applied_raft_index` (>= every raft index passed to apply() in the
  // batch; may be larger when entries in between were not v2 requests) and trims the event
  // history. Without defer_commits() the batch is then committed (flush()); with
  // synchronous=NORMAL it may still be lost by a power cut, which the raft WAL covers.
  void commit_batch(Index applied_raft_index);
  // Group commit (the server's choice): commit_batch() then ends the batch but leaves its
  // SQLite transaction open, so many batches reach the database file as one commit (each
  // SQLite commit writes every page it touched; the raft WAL already holds the entries).
  // Reads on this connection see every batch at once; flush(), make_durable(),
  // save_snapshot(), restore_snapshot() and a clean close commit them; a crash loses the
  // unflushed batches, whose entries the server replays after applied_index() on disk.
  void defer_commits(bool on) { defer_commits_ = on; }
  // Commits the open SQLite transaction, if any. Precondition: no batch open.
  void flush();
  // Batches ended since the last SQLite commit, and the applied index that commit wrote.
  uint64_t unflushed_batches() const { return unflushed_batches_; }
  Index flushed_index() const { return flushed_index_; }
  // Hands WAL checkpoints to a Checkpointer on the same file, so a commit never stalls on
  // copying the WAL into the database (the caller runs checkpoint() when wal_frames()
  // grows, off its own thread). nullptr for an in-memory store.
  Result<std::unique_ptr<Checkpointer>> detach_checkpoints();
  int wal_frames() const { return db_->wal_frames(); }
  // The database, shared with the v3 keyspace (etcd/mvcc), which writes its tables in the
  // same batch transaction as the applied index.
  Database& database() { return *db_; }
  // Counts a write etcd keeps in its v2 store outside the keyspace (membership under /0):
  // the etcd index advances with no key and no event (so a fresh cluster's index is not 0,
  // as with etcd). Precondition: a batch is open.
  void advance_index();
  bool in_batch() const { return in_batch_; }

  // etcd Store.Get at the clean path `path`. A directory lists its children (all levels
  // with `recursive`), hidden ('_') children left out; listings are always sorted by key,
  // which etcd permits for any request, so `sorted` changes nothing. `now_ns` only renders
  // the remaining `ttl`. Errors: 100 (cause: first missing path), 104 (cause: the file on
  // the way).
  StoreResult<Event> get(std::string_view path, bool recursive, bool sorted, int64_t now_ns);

  // etcd Store.Watch. since_index 0 means "from the next write". A since_index covered by
  // the history is answered from it at once (the event's etcd_index is the current index);
  // a later one registers a live watcher. Error 401 when since_index is older than the
  // history's oldest event.
  StoreResult<std::shared_ptr<Watcher>> watch(std::string_view path, bool recursive, bool stream,
                                              EtcdIndex since_index);

  // Counters, with `watchers` set to the live watcher count.
  Stats stats() const;
  // Whether any key or directory has a TTL (etcd HasTTLKeys: the leader proposes SYNC
  // only then).
  bool has_ttl_keys();

  // Opaque values the server keeps with the applied state (membership, raft
  // configuration): written in the open batch's transaction, carried by snapshots, never
  // visible through the v2 API. Precondition for put_meta: a batch is open.
  void put_meta(std::string_view name, std::string_view value);
  std::optional<std::string> meta(std::string_view name);

  // Makes every committed batch durable (WAL checkpoint with fsync): synchronous=NORMAL
  // leaves the last commits to the raft WAL, which a snapshot marker releases.
  // Precondition: no batch open.
  void make_durable();
  // A consistent copy of the whole database (an SQLite image) for a raft snapshot.
  // Precondition: no batch open.
  std::string save_snapshot();
  // Replaces the whole state (keys, history, indexes, stats) with a save_snapshot() image
  // in one transaction; nothing changes on error. Live watchers stay registered and see
  // later events. Precondition: no batch open.
  Result<void> restore_snapshot(std::string_view bytes);

 private:
  Store(std::unique_ptr<Database> db, std::string path);

  StoreResult<Event> dispatch(Operation op, const Request& request);
  void count(Operation op, bool ok);
  void load_meta();
  void save_meta();
  StoreError error(ErrorCode code, std::string cause) const;
  void publish(const Event& event);

  // store_read.cc
  StoreResult<NodeRow> lookup(const std::string& clean);
  StoreError walk_error(const std::string& clean);
  std::vector<Node> list(const std::string& dir, int64_t now_ns);
  std::vector<Node> tree(const std::string& dir, int64_t now_ns);

  // store_write.cc
  StoreResult<Event> set(const Request& request);
  StoreResult<Event> create(const Request& request, bool in_order);
  StoreResult<Event> update(const Request& request);
  StoreResult<Event> compare_and_swap(const Request& request);
  StoreResult<Event> create_node(const std::string& clean, const Request& request,
                                 const std::string& value, bool replace, Action action,
                                 const std::optional<NodeRow>& existing);
  std::optional<StoreError> make_parents(const std::string& clean, EtcdIndex next);
  static std::optional<std::string> compare_failure(const NodeRow& row, const Request& request);

  // store_delete.cc
  StoreResult<Event> remove(const Request& request);
  StoreResult<Event> compare_and_delete(const Request& request);
  void remove_tree(const NodeRow& row, const Event& event);
  std::vector<Event> expire_due(int64_t now_ns);
  Event expire_one(const NodeRow& row, int64_t now_ns);

  std::unique_ptr<Database> db_;
  std::string path_;
  NodeTable nodes_;
  EventHistory history_;
  WatcherHub hub_;
  Statement begin_;
  Statement commit_;
  Statement read_meta_;
  Statement write_meta_;
  Statement put_server_meta_;
  Statement read_server_meta_;
  Statement has_ttl_;
  EtcdIndex index_;
  Index applied_index_;
  Index last_raft_index_;
  Stats stats_;
  bool in_batch_ = false;
  bool defer_commits_ = false;
  bool transaction_open_ = false;  // BEGIN run, COMMIT not yet
  uint64_t unflushed_batches_ = 0;
  Index flushed_index_;
};

// Rendering helpers shared by the store's files (defined in store_read.cc).
// Whole seconds left until `expiration_ns`, rounded up (etcd node.expirationAndTTL).
int64_t remaining_ttl_s(int64_t expiration_ns, int64_t now_ns);
// A row as a flat response node (no children) as seen at `now_ns`.
Node node_of(const NodeRow& row, int64_t now_ns);

}  // namespace etcd::store
