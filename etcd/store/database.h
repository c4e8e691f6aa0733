// A thin RAII layer over one SQLite connection: open with the store's pragmas, prepared
// statements (prepared once, reused), transactions, and whole-database copy in and out
// (sqlite3_serialize / backup API) for raft snapshots.
//
// Owns the connection. Never used from two threads: the store's owner thread only.
// SQL errors while reading or writing an open database are environment failures the
// store cannot recover from (disk full, I/O error, corruption): they print the SQLite
// message and abort, and raft replays the WAL after a restart. Opening and restoring
// return errors as values.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "etcd/common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace etcd::store {

class Statement {
 public:
  // `sql` is the project's own text: a prepare failure is a bug and aborts.
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQLite. Text is always bound as a BLOB so that paths
  // and values are compared and stored byte for byte (no UTF-8 assumptions).
  Statement& bind(int index, std::string_view blob);
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, uint64_t value) { return bind(index, static_cast<int64_t>(value)); }

  // Advances; true when a row is available. Aborts on an SQLite error.
  bool step();
  // Runs a statement that returns no rows, then resets it.
  void run();
  // Column accessors for the current row (0-based). The view lives until the next step.
  std::string_view blob(int column) const;
  int64_t int64(int column) const;
  bool is_null(int column) const;
  // Ends the current execution and clears bindings; releases the read snapshot.
  void reset();

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when the scope ends, so no statement keeps a read open.
class StatementScope {
 public:
  explicit StatementScope(Statement& statement) : statement_(statement) {}
  ~StatementScope() { statement_.reset(); }
  StatementScope(const StatementScope&) = delete;
  StatementScope& operator=(const StatementScope&) = delete;

 private:
  Statement& statement_;
};

class Database {
 public:
  // Opens (creating if needed) the database at `path`; ":memory:" gives a private
  // in-memory database. Sets journal_mode=WAL (file databases) and synchronous=NORMAL.
  static Result<std::unique_ptr<Database>> open(const std::string& path);
  // A private in-memory database holding a copy of `bytes`, a serialize() image (read a
  // snapshot on a thread of its own, as the v3 Snapshot RPC does). Error: not an image.
  static Result<std::unique_ptr<Database>> open_image(std::string_view bytes);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sqlite3* handle() { return db_; }
  // The statement for `sql`, prepared on first use and kept with the connection: a
  // prepare costs tens of microseconds, more than the point lookup it runs. Reset it
  // after use (StatementScope, or run()); never step it while an outer use is open.
  Statement& cached(std::string_view sql);
  // Runs semicolon-separated SQL with no results; aborts on error.
  void exec(std::string_view sql);

  // The database's size in bytes (page count x page size), as the v3 Status reports it.
  int64_t size_bytes();
  // The bytes holding data: size_bytes() less the free pages SQLite keeps for reuse.
  int64_t size_in_use_bytes();

  // A consistent copy of the whole database as bytes (an SQLite database image).
  // Must not be called inside a transaction.
  std::string serialize();
  // Checks an image before it replaces anything: gets a read-only look at it.
  using ImageCheck = std::function<Result<void>(sqlite3* image)>;
  // Replaces the whole database with the image `bytes` in one transaction (backup API).
  // The image is checked first (SQLite header, integrity_check, then `check`); nothing
  // changes on error. Must not be called inside a transaction.
  Result<void> replace_with(std::string_view bytes, const ImageCheck& check);

  // Leaves WAL checkpoints to another connection (see Checkpointer): commits no longer
  // copy the WAL into the database file. Counts the WAL's frames after each commit.
  void stop_auto_checkpoint();
  // Frames in the WAL after the last commit (0 until stop_auto_checkpoint()).
  int wal_frames() const { return wal_frames_; }
  // A FULL checkpoint: every committed transaction is in the database file, synced.
  // Waits (up to a few seconds) for another connection's checkpoint; aborts on error.
  void checkpoint_full();

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  int64_t pragma_value(std::string_view pragma);  // the first column of its one row, or 0
  sqlite3* db_;
  int wal_frames_ = 0;
  struct SqlHash {
    using is_transparent = void;  // look up by string_view without a copy
    size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };
  std::unordered_map<std::string, std::unique_ptr<Statement>, SqlHash, std::equal_to<>>
      cached_;  // finalized before the connection closes
};

// BEGIN on construction, COMMIT on destruction: a consistent read of several tables, or
// a test's writes outside the store's own batches.
class Transaction {
 public:
  explicit Transaction(Database& db) : db_(db) { db_.exec("BEGIN"); }
  ~Transaction() { db_.exec("COMMIT"); }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

 private:
  Database& db_;
};

// One read transaction around a request's statements, begun only when none is open (the
// store's batch already is one; Transaction above always begins, so it cannot be used
// where a batch may be open). Outside a transaction each statement takes and drops the
// WAL read lock on its own, a fifth of a point read's CPU when a request runs five.
// Nothing may begin a transaction (a store batch) while the scope is open.
class ReadScope {
 public:
  explicit ReadScope(Database& db);
  ~ReadScope();
  ReadScope(const ReadScope&) = delete;
  ReadScope& operator=(const ReadScope&) = delete;

 private:
  Database* began_ = nullptr;  // the database this scope began a transaction on
};

// A second connection to a store database that only copies its WAL into the database
// file (PASSIVE: never waits for, nor blocks, the writer). Owned by the store's owner,
// used from one thread at a time, typically a background one.
class Checkpointer {
 public:
  static Result<std::unique_ptr<Checkpointer>> open(const std::string& path);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  Result<void> checkpoint();

 private:
  explicit Checkpointer(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// Prints the SQLite error of `db` with `what` and aborts.
[[noreturn]] void sqlite_fatal(sqlite3* db, std::string_view what);

}  // namespace etcd::store
