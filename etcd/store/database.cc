#include "etcd/store/database.h"

#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace etcd::store {
namespace {

// sqlite3_bind_blob(nullptr) would bind NULL; an empty value must stay an empty blob.
const char kEmpty[1] = {0};

// The 16-byte magic every SQLite database file starts with.
constexpr std::string_view kSqliteMagic("SQLite format 3\0", 16);

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using SqlitePtr = std::unique_ptr<sqlite3, SqliteCloser>;

Error sqlite_error(sqlite3* db, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  return Error{std::move(message)};
}

// Loads `bytes` into a fresh private in-memory connection. A WAL-mode image has the
// file-format bytes (offsets 18, 19) set to 2; an in-memory database cannot use WAL,
// so they are set back to 1 (rollback journal), which is how the image reads anyway.
Result<SqlitePtr> load_image(std::string_view bytes) {
  if (bytes.size() < 100 || bytes.substr(0, 16) != kSqliteMagic) {
    return Error{"snapshot: not an SQLite database image"};
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  SqlitePtr db(raw);
  if (rc != SQLITE_OK) return sqlite_error(raw, "snapshot: open");
  auto* copy = static_cast<unsigned char*>(sqlite3_malloc64(bytes.size()));
  if (copy == nullptr) return Error{"snapshot: out of memory"};
  std::memcpy(copy, bytes.data(), bytes.size());
  copy[18] = 1;
  copy[19] = 1;
  rc = sqlite3_deserialize(db.get(), "main", copy, static_cast<sqlite3_int64>(bytes.size()),
                           static_cast<sqlite3_int64>(bytes.size()),
                           SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE);
  if (rc != SQLITE_OK) return sqlite_error(db.get(), "snapshot: deserialize");
  return db;
}

Result<void> check_integrity(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) != SQLITE_OK) {
    return sqlite_error(db, "snapshot: integrity_check");
  }
  int rc = sqlite3_step(stmt);
  bool ok = rc == SQLITE_ROW &&
            std::strcmp(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "ok") == 0;
  sqlite3_finalize(stmt);
  if (!ok) return Error{"snapshot: database image fails integrity_check"};
  return Ok{};
}

}  // namespace

void sqlite_fatal(sqlite3* db, std::string_view what) {
  const int code = db != nullptr ? sqlite3_errcode(db) : SQLITE_ERROR;
  const int os_errno = db != nullptr ? sqlite3_system_errno(db) : 0;
  std::fprintf(stderr, "store: fatal SQLite error in %.*s: %s%s%s\n", static_cast<int>(what.size()),
               what.data(), db != nullptr ? sqlite3_errmsg(db) : "(no connection)",
               os_errno != 0 ? ": " : "", os_errno != 0 ? std::strerror(os_errno) : "");
  std::fflush(stderr);
  // The disk failed us (full, I/O error): stop with a status and let systemd restart us into
  // recovery; a core dump on a full disk helps nobody. Anything else is a bug: abort.
  if (code == SQLITE_FULL || code == SQLITE_IOERR || code == SQLITE_CANTOPEN) {
    std::_Exit(EXIT_FAILURE);
  }
  std::abort();
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt_, nullptr) != SQLITE_OK) {
    sqlite_fatal(db, sql);
  }
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::string_view blob) {
  const char* data = blob.empty() ? kEmpty : blob.data();
  if (sqlite3_bind_blob64(stmt_, index, data, blob.size(), SQLITE_STATIC) != SQLITE_OK) {
    sqlite_fatal(db_, sqlite3_sql(stmt_));
  }
  return *this;
}

Statement& Statement::bind(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) sqlite_fatal(db_, sqlite3_sql(stmt_));
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite_fatal(db_, sqlite3_sql(stmt_));
}

void Statement::run() {
  StatementScope scope(*this);
  if (step()) sqlite_fatal(db_, "statement returned a row where none was expected");
}

std::string_view Statement::blob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) return {};
  return {static_cast<const char*>(data), static_cast<size_t>(size)};
}

int64_t Statement::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Result<std::unique_ptr<Database>> Database::open(const std::string& path) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  SqlitePtr db(raw);
  if (rc != SQLITE_OK) return sqlite_error(raw, "open " + path);
  const char* pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";
  char* message = nullptr;
  if (sqlite3_exec(db.get(), pragmas, nullptr, nullptr, &message) != SQLITE_OK) {
    Error error{"open " + path + ": " + (message != nullptr ? message : "pragma failed")};
    sqlite3_free(message);
    return error;
  }
  return std::unique_ptr<Database>(new Database(db.release()));
}

Result<std::unique_ptr<Database>> Database::open_image(std::string_view bytes) {
  auto db = load_image(bytes);
  if (!db) return db.error();
  return std::unique_ptr<Database>(new Database(db->release()));
}

Database::~Database() {
  cached_.clear();
  sqlite3_close_v2(db_);
}

Statement& Database::cached(std::string_view sql) {
  auto it = cached_.find(sql);
  if (it == cached_.end()) {
    it = cached_.emplace(std::string(sql), std::make_unique<Statement>(db_, sql)).first;
  }
  return *it->second;
}

ReadScope::ReadScope(Database& db) {
  if (sqlite3_get_autocommit(db.handle()) == 0) return;
  db.cached("BEGIN").run();
  began_ = &db;
}

ReadScope::~ReadScope() {
  if (began_ != nullptr) began_->cached("COMMIT").run();
}

void Database::stop_auto_checkpoint() {
  // The hook replaces SQLite's auto-checkpoint (which is itself a WAL hook).
  sqlite3_wal_hook(
      db_,
      [](void* self, sqlite3*, const char*, int frames) {
        static_cast<Database*>(self)->wal_frames_ = frames;
        return SQLITE_OK;
      },
      this);
  // A FULL checkpoint may meet the other connection's PASSIVE one: wait for it.
  sqlite3_busy_timeout(db_, 10'000);
}

void Database::checkpoint_full() {
  int log_frames = 0;
  int copied_frames = 0;
  const int rc =
      sqlite3_wal_checkpoint_v2(db_, "main", SQLITE_CHECKPOINT_FULL, &log_frames, &copied_frames);
  if (rc != SQLITE_OK) sqlite_fatal(db_, "wal_checkpoint(FULL)");
  if (copied_frames != log_frames) {
    // A reader we do not have held frames back: the promise "durable" would be false.
    sqlite_fatal(db_, "wal_checkpoint(FULL) left frames behind");
  }
  wal_frames_ = 0;
}

Result<std::unique_ptr<Checkpointer>> Checkpointer::open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  SqlitePtr db(raw);
  if (rc != SQLITE_OK) return sqlite_error(raw, "open " + path + " for checkpoints");
  // The checkpointing connection's setting decides whether a checkpoint syncs.
  if (sqlite3_exec(db.get(), "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return sqlite_error(db.get(), "open " + path + " for checkpoints");
  }
  return std::unique_ptr<Checkpointer>(new Checkpointer(db.release()));
}

Checkpointer::~Checkpointer() {
  sqlite3_close_v2(db_);
}

Result<void> Checkpointer::checkpoint() {
  const int rc =
      sqlite3_wal_checkpoint_v2(db_, "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  // BUSY: the owner runs a FULL checkpoint right now, which does this work too.
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) return sqlite_error(db_, "wal_checkpoint(PASSIVE)");
  return Ok{};
}

void Database::exec(std::string_view sql) {
  std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    sqlite_fatal(db_, sql);
  }
}

int64_t Database::size_bytes() {
  return pragma_value("PRAGMA page_count") * pragma_value("PRAGMA page_size");
}

int64_t Database::size_in_use_bytes() {
  const int64_t free_pages = pragma_value("PRAGMA freelist_count");
  return size_bytes() - free_pages * pragma_value("PRAGMA page_size");
}

int64_t Database::pragma_value(std::string_view pragma) {
  Statement& s = cached(pragma);
  StatementScope scope(s);
  return s.step() ? s.int64(0) : 0;
}

std::string Database::serialize() {
  sqlite3_int64 size = 0;
  unsigned char* data = sqlite3_serialize(db_, "main", &size, 0);
  if (data == nullptr) sqlite_fatal(db_, "sqlite3_serialize");
  std::string out(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
  sqlite3_free(data);
  return out;
}

Result<void> Database::replace_with(std::string_view bytes, const ImageCheck& check) {
  auto source = load_image(bytes);
  if (!source) return source.error();
  if (auto checked = check_integrity(source->get()); !checked) return checked.error();
  if (auto checked = check(source->get()); !checked) return checked.error();
  sqlite3_backup* backup = sqlite3_backup_init(db_, "main", source->get(), "main");
  if (backup == nullptr) return sqlite_error(db_, "snapshot: backup_init");
  int rc = sqlite3_backup_step(backup, -1);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return sqlite_error(db_, "snapshot: backup");
  return Ok{};
}

}  // namespace etcd::store
