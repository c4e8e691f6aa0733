// Store: opening, batches, dispatch of replicated requests, meta (indexes and stats),
// watches and snapshots. The v2 operations themselves live in store_read.cc,
// store_write.cc and store_delete.cc.
#include "etcd/store/store.h"

#include <sqlite3.h>

#include "etcd/common/assert.h"
#include "etcd/store/path.h"

namespace etcd::store {
namespace {

constexpr int64_t kSchemaVersion = 1;

// Schema (documented in etcd/store/README.md). Paths and values are BLOBs so that SQLite
// compares them byte for byte; the root row always exists.
constexpr std::string_view kSchema = R"sql(
BEGIN;
CREATE TABLE IF NOT EXISTS nodes (
  path BLOB PRIMARY KEY,
  parent BLOB NOT NULL,
  is_dir INTEGER NOT NULL,
  value BLOB NOT NULL,
  created_index INTEGER NOT NULL,
  modified_index INTEGER NOT NULL,
  expiration_ns INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nodes_by_parent ON nodes (parent, path);
CREATE INDEX IF NOT EXISTS nodes_by_expiration ON nodes (expiration_ns, path)
  WHERE expiration_ns != 0;
CREATE TABLE IF NOT EXISTS events (
  idx INTEGER PRIMARY KEY,
  key BLOB NOT NULL,
  refresh INTEGER NOT NULL,
  dir_key BLOB,
  body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (name BLOB PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS server_meta (name BLOB PRIMARY KEY, value BLOB NOT NULL)
  WITHOUT ROWID;
INSERT OR IGNORE INTO nodes (path, parent, is_dir, value, created_index, modified_index,
                             expiration_ns) VALUES (x'2f', x'', 1, x'', 0, 0, 0);
INSERT OR IGNORE INTO meta (name, value) VALUES (x'736368656d615f76657273696f6e', 1);
COMMIT;
)sql";

// The SQL above and below spell the meta name "schema_version" as a blob literal.
constexpr std::string_view kEtcdIndexName = "etcd_index";
constexpr std::string_view kAppliedIndexName = "applied_index";
constexpr std::string_view kStatsPrefix = "stats.";

// A snapshot image must be a store database of this schema version with a root node.
Result<void> check_store_image(sqlite3* image) {
  const char* sql =
      "SELECT (SELECT value FROM meta WHERE name = x'736368656d615f76657273696f6e'), "
      "(SELECT count(*) FROM nodes WHERE path = x'2f' AND is_dir = 1), "
      "(SELECT count(*) FROM events)";
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(image, sql, -1, &stmt, nullptr) != SQLITE_OK) {
    return Error{"snapshot: not a store database"};
  }
  bool ok = sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int64(stmt, 0) == kSchemaVersion &&
            sqlite3_column_int64(stmt, 1) == 1;
  sqlite3_finalize(stmt);
  if (!ok) return Error{"snapshot: not a store database of schema version 1"};
  return Ok{};
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& db_path) {
  auto db = Database::open(db_path);
  if (!db) return db.error();
  // Refuse a database that is not ours before touching it.
  char* message = nullptr;
  sqlite3* handle = (*db)->handle();
  if (sqlite3_exec(handle, std::string(kSchema).c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    Error error{"open " + db_path + ": " + (message != nullptr ? message : "schema failed")};
    sqlite3_free(message);
    return error;
  }
  if (auto checked = check_store_image(handle); !checked) {
    return Error{"open " + db_path + ": " + checked.error().message};
  }
  std::unique_ptr<Store> store(new Store(std::move(db).value(), db_path));
  store->load_meta();
  return store;
}

Store::Store(std::unique_ptr<Database> db, std::string path)
    : db_(std::move(db)),
      path_(std::move(path)),
      nodes_(*db_),
      history_(*db_),
      begin_(db_->handle(), "BEGIN"),
      commit_(db_->handle(), "COMMIT"),
      read_meta_(db_->handle(), "SELECT name, value FROM meta"),
      write_meta_(db_->handle(),
                  "INSERT INTO meta (name, value) VALUES (?1, ?2) "
                  "ON CONFLICT (name) DO UPDATE SET value = excluded.value"),
      put_server_meta_(db_->handle(),
                       "INSERT INTO server_meta (name, value) VALUES (?1, ?2) "
                       "ON CONFLICT (name) DO UPDATE SET value = excluded.value"),
      read_server_meta_(db_->handle(), "SELECT value FROM server_meta WHERE name = ?1"),
      has_ttl_(db_->handle(), "SELECT 1 FROM nodes WHERE expiration_ns != 0 LIMIT 1") {}

Store::~Store() {
  if (in_batch_) {
    db_->exec("ROLLBACK");
  } else {
    flush();
  }
}

void Store::load_meta() {
  StatementScope scope(read_meta_);
  index_ = EtcdIndex();
  applied_index_ = Index();
  stats_ = Stats();
  while (read_meta_.step()) {
    std::string_view name = read_meta_.blob(0);
    auto value = static_cast<uint64_t>(read_meta_.int64(1));
    if (name == kEtcdIndexName) index_ = EtcdIndex(value);
    if (name == kAppliedIndexName) applied_index_ = Index(value);
    if (!name.starts_with(kStatsPrefix)) continue;
    for (const StatsField& field : kStatsFields) {
      if (name.substr(kStatsPrefix.size()) == field.json_name) stats_.*field.member = value;
    }
  }
  last_raft_index_ = applied_index_;
  flushed_index_ = applied_index_;
}

void Store::save_meta() {
  write_meta_.bind(1, kEtcdIndexName).bind(2, index_.value);
  write_meta_.run();
  write_meta_.bind(1, kAppliedIndexName).bind(2, applied_index_.value);
  write_meta_.run();
  for (const StatsField& field : kStatsFields) {
    if (field.member == &Stats::watchers) continue;  // a gauge, not state
    std::string name = std::string(kStatsPrefix) + std::string(field.json_name);
    write_meta_.bind(1, name).bind(2, stats_.*field.member);
    write_meta_.run();
  }
}

void Store::begin_batch() {
  ETCD_ASSERT(!in_batch_, "begin_batch inside a batch");
  if (!transaction_open_) {
    begin_.run();
    transaction_open_ = true;
  }
  in_batch_ = true;
}

void Store::commit_batch(Index applied_raft_index) {
  ETCD_ASSERT(in_batch_, "commit_batch without begin_batch");
  ETCD_ASSERT(applied_raft_index >= last_raft_index_, "applied index goes backwards");
  applied_index_ = applied_raft_index;
  last_raft_index_ = applied_raft_index;
  history_.trim(index_);
  in_batch_ = false;
  ++unflushed_batches_;
  if (!defer_commits_) flush();
}

void Store::flush() {
  ETCD_ASSERT(!in_batch_, "flush inside a batch");
  if (!transaction_open_) return;
  // Indexes and counters live in memory between commits; the rows are written once per
  // SQLite commit (about 17 upserts) rather than once per batch.
  save_meta();
  commit_.run();
  flushed_index_ = applied_index_;
  transaction_open_ = false;
  unflushed_batches_ = 0;
}

StoreResult<Event> Store::apply(const Request& request, Index raft_index) {
  ETCD_ASSERT(in_batch_, "apply outside a batch");
  ETCD_ASSERT(raft_index > last_raft_index_, "raft index not increasing");
  last_raft_index_ = raft_index;
  Operation op = operation_of(request);
  StoreResult<Event> result = dispatch(op, request);
  count(op, result.ok());
  return result;
}

StoreResult<Event> Store::dispatch(Operation op, const Request& request) {
  switch (op) {
    case Operation::get:
      return get(request.path, request.recursive, request.sorted, request.time_ns);
    case Operation::set:
      return set(request);
    case Operation::create:
      return create(request, false);
    case Operation::create_in_order:
      return create(request, true);
    case Operation::update:
      return update(request);
    case Operation::compare_and_swap:
      return compare_and_swap(request);
    case Operation::remove:
      return remove(request);
    case Operation::compare_and_delete:
      return compare_and_delete(request);
    case Operation::sync: {
      (void)expire_due(request.time_ns);
      Event event;
      event.action = Action::sync;
      event.node.key = "/";
      event.etcd_index = index_;
      return event;
    }
  }
  ETCD_UNREACHABLE("unknown operation");
}

// etcd store/stats.go counters; a get counts itself in get(), expiries in expire().
void Store::count(Operation op, bool ok) {
  auto bump = [ok](uint64_t& success, uint64_t& fail) { ++(ok ? success : fail); };
  switch (op) {
    case Operation::set:
      return bump(stats_.sets_success, stats_.sets_fail);
    case Operation::create:
    case Operation::create_in_order:
      return bump(stats_.create_success, stats_.create_fail);
    case Operation::update:
      return bump(stats_.update_success, stats_.update_fail);
    case Operation::compare_and_swap:
      return bump(stats_.compare_and_swap_success, stats_.compare_and_swap_fail);
    case Operation::remove:
      return bump(stats_.delete_success, stats_.delete_fail);
    case Operation::compare_and_delete:
      return bump(stats_.compare_and_delete_success, stats_.compare_and_delete_fail);
    case Operation::get:
    case Operation::sync:
      return;
  }
}

StoreError Store::error(ErrorCode code, std::string cause) const {
  return StoreError{code, std::move(cause), index_};
}

void Store::publish(const Event& event) {
  history_.add(event);
  // etcd: a refresh is recorded (so indexes stay contiguous) but watchers are not told.
  if (!event.refresh) hub_.notify(event);
}

StoreResult<std::shared_ptr<Watcher>> Store::watch(std::string_view path, bool recursive,
                                                   bool stream, EtcdIndex since_index) {
  std::string key = clean_path(path);
  if (since_index.value == 0) since_index = index_ + 1;
  auto replay = history_.scan(key, recursive, since_index, index_);
  if (!replay) return replay.error();
  if (*replay) {
    Event event = std::move(**replay);
    event.etcd_index = index_;
    return WatcherHub::replayed(std::move(key), recursive, stream, index_, std::move(event));
  }
  return hub_.add(std::move(key), recursive, stream, since_index, index_);
}

Stats Store::stats() const {
  Stats copy = stats_;
  copy.watchers = hub_.count();
  return copy;
}

void Store::advance_index() {
  ETCD_ASSERT(in_batch_, "advance_index() outside a batch");
  index_ = index_ + 1;
}

bool Store::has_ttl_keys() {
  StatementScope scope(has_ttl_);
  return has_ttl_.step();
}

void Store::put_meta(std::string_view name, std::string_view value) {
  ETCD_ASSERT(in_batch_, "put_meta outside a batch");
  put_server_meta_.bind(1, name).bind(2, value);
  put_server_meta_.run();
}

std::optional<std::string> Store::meta(std::string_view name) {
  StatementScope scope(read_server_meta_);
  read_server_meta_.bind(1, name);
  if (!read_server_meta_.step()) return std::nullopt;
  return std::string(read_server_meta_.blob(0));
}

void Store::make_durable() {
  ETCD_ASSERT(!in_batch_, "make_durable inside a batch");
  flush();
  db_->checkpoint_full();
}

Result<std::unique_ptr<Checkpointer>> Store::detach_checkpoints() {
  if (path_ == ":memory:") return std::unique_ptr<Checkpointer>();
  auto checkpointer = Checkpointer::open(path_);
  if (checkpointer) db_->stop_auto_checkpoint();
  return checkpointer;
}

std::string Store::save_snapshot() {
  ETCD_ASSERT(!in_batch_, "save_snapshot inside a batch");
  flush();
  return db_->serialize();
}

Result<void> Store::restore_snapshot(std::string_view bytes) {
  ETCD_ASSERT(!in_batch_, "restore_snapshot inside a batch");
  flush();
  if (auto replaced = db_->replace_with(bytes, check_store_image); !replaced) return replaced;
  nodes_.forget_cached();
  load_meta();
  return Ok{};
}

}  // namespace etcd::store
