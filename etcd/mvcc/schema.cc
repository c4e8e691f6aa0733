#include "etcd/mvcc/schema.h"

#include <string>
#include <string_view>

#include "etcd/mvcc/meta_names.h"

namespace etcd::mvcc {
namespace {

constexpr std::string_view kTables = R"sql(
CREATE TABLE IF NOT EXISTS mvcc_revisions (
  key BLOB NOT NULL,
  main INTEGER NOT NULL,
  sub INTEGER NOT NULL,
  tombstone INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  version INTEGER NOT NULL,
  lease INTEGER NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY (key, main)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mvcc_revisions_by_revision ON mvcc_revisions (main, sub);
CREATE INDEX IF NOT EXISTS mvcc_revisions_by_lease ON mvcc_revisions (lease, key, main)
  WHERE lease != 0;
CREATE TABLE IF NOT EXISTS mvcc_keys (key BLOB PRIMARY KEY, main INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mvcc_meta (name BLOB PRIMARY KEY, value INTEGER NOT NULL)
  WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mvcc_leases (id INTEGER PRIMARY KEY, ttl INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS mvcc_alarms (member INTEGER NOT NULL, alarm INTEGER NOT NULL,
  PRIMARY KEY (member, alarm)) WITHOUT ROWID;
)sql";

}  // namespace

Result<void> ensure_schema(store::Database& db) {
  db.exec("SAVEPOINT mvcc_schema");
  db.exec(kTables);
  {
    store::Statement add(db.handle(),
                         "INSERT OR IGNORE INTO mvcc_meta (name, value) VALUES (?1, ?2)");
    add.bind(1, kSchemaVersionName).bind(2, kSchemaVersion).run();
    add.bind(1, kCurrentRevisionName).bind(2, int64_t{1}).run();
    add.bind(1, kCompactRevisionName).bind(2, int64_t{0}).run();
  }
  store::Statement version(db.handle(), "SELECT value FROM mvcc_meta WHERE name = ?1");
  version.bind(1, kSchemaVersionName);
  const int64_t found = version.step() ? version.int64(0) : 0;
  version.reset();
  if (found != kSchemaVersion) {
    db.exec("ROLLBACK TO mvcc_schema; RELEASE mvcc_schema");
    return Error{"mvcc: database has schema version " + std::to_string(found) + ", expected " +
                 std::to_string(kSchemaVersion)};
  }
  db.exec("RELEASE mvcc_schema");
  return Ok{};
}

}  // namespace etcd::mvcc
