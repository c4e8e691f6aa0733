#include "etcd/mvcc/revision_table.h"

namespace etcd::mvcc {
namespace {

using store::Statement;
using store::StatementScope;

// Column order of every row read: read_row() depends on it.
#define ROW_COLUMNS \
  "r.key, r.main, r.sub, r.tombstone, r.create_revision, r.version, r.lease, r.value"
// Live rows: the key's entry in mvcc_keys points at its newest revision. CROSS JOIN keeps
// mvcc_keys as the outer loop, so a range walks live keys only, never history.
#define LIVE_ROWS                                 \
  "SELECT " ROW_COLUMNS                           \
  " FROM mvcc_keys k CROSS JOIN mvcc_revisions r" \
  " ON r.key = k.key AND r.main = k.main "

}  // namespace

RevisionTable::RevisionTable(store::Database& db)
    : read_meta_(db.handle(), "SELECT value FROM mvcc_meta WHERE name = ?1"),
      write_meta_(db.handle(),
                  "INSERT INTO mvcc_meta (name, value) VALUES (?1, ?2) "
                  "ON CONFLICT (name) DO UPDATE SET value = excluded.value"),
      insert_(db.handle(),
              "INSERT INTO mvcc_revisions (key, main, sub, tombstone, create_revision, version, "
              "lease, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
      put_live_(db.handle(),
                "INSERT INTO mvcc_keys (key, main) VALUES (?1, ?2) "
                "ON CONFLICT (key) DO UPDATE SET main = excluded.main"),
      remove_live_(db.handle(), "DELETE FROM mvcc_keys WHERE key = ?1"),
      live_(db.handle(), LIVE_ROWS "WHERE k.key = ?1"),
      scan_live_bounded_(db.handle(), LIVE_ROWS "WHERE k.key >= ?1 AND k.key < ?2 ORDER BY k.key"),
      scan_live_open_(db.handle(), LIVE_ROWS "WHERE k.key >= ?1 ORDER BY k.key"),
      count_live_bounded_(db.handle(),
                          "SELECT count(*) FROM mvcc_keys WHERE key >= ?1 AND key < ?2"),
      count_live_open_(db.handle(), "SELECT count(*) FROM mvcc_keys WHERE key >= ?1"),
      latest_at_(db.handle(), "SELECT " ROW_COLUMNS
                              " FROM mvcc_revisions r WHERE r.key = ?1 AND r.main <= ?2 "
                              "ORDER BY r.main DESC LIMIT 1"),
      next_key_bounded_(db.handle(),
                        "SELECT key FROM mvcc_revisions WHERE key >= ?1 AND key < ?2 "
                        "ORDER BY key LIMIT 1"),
      next_key_open_(db.handle(),
                     "SELECT key FROM mvcc_revisions WHERE key >= ?1 ORDER BY key LIMIT 1"),
      scan_revisions_(db.handle(), "SELECT " ROW_COLUMNS
                                   " FROM mvcc_revisions r WHERE r.main >= ?1 AND r.main <= ?2 "
                                   "ORDER BY r.main, r.sub"),
      keys_changed_(db.handle(),
                    "SELECT DISTINCT key FROM mvcc_revisions WHERE main > ?1 AND main <= ?2"),
      remove_before_(db.handle(), "DELETE FROM mvcc_revisions WHERE key = ?1 AND main < ?2"),
      remove_(db.handle(), "DELETE FROM mvcc_revisions WHERE key = ?1 AND main = ?2") {}

Row RevisionTable::read_row(const Statement& s) {
  Row row;
  row.kv.key = std::string(s.blob(0));
  row.kv.mod_revision = s.int64(1);
  row.sub = s.int64(2);
  row.tombstone = s.int64(3) != 0;
  row.kv.create_revision = s.int64(4);
  row.kv.version = s.int64(5);
  row.kv.lease = s.int64(6);
  row.kv.value = std::string(s.blob(7));
  return row;
}

int64_t RevisionTable::meta(std::string_view name) {
  StatementScope scope(read_meta_);
  read_meta_.bind(1, name);
  return read_meta_.step() ? read_meta_.int64(0) : 0;
}

void RevisionTable::set_meta(std::string_view name, int64_t value) {
  write_meta_.bind(1, name).bind(2, value).run();
}

void RevisionTable::insert(const Row& row) {
  const KeyValue& kv = row.kv;
  insert_.bind(1, kv.key).bind(2, kv.mod_revision).bind(3, row.sub);
  insert_.bind(4, int64_t{row.tombstone}).bind(5, kv.create_revision).bind(6, kv.version);
  insert_.bind(7, kv.lease).bind(8, kv.value).run();
  if (row.tombstone) {
    remove_live_.bind(1, kv.key).run();
  } else {
    put_live_.bind(1, kv.key).bind(2, kv.mod_revision).run();
  }
}

std::optional<KeyValue> RevisionTable::live(std::string_view key) {
  StatementScope scope(live_);
  live_.bind(1, key);
  if (!live_.step()) return std::nullopt;
  return read_row(live_).kv;
}

void RevisionTable::scan_live(const KeyRange& range, const std::function<bool(KeyValue&&)>& visit) {
  if (range.single) {
    if (auto kv = live(range.begin)) visit(std::move(*kv));
    return;
  }
  Statement& s = range.end ? scan_live_bounded_ : scan_live_open_;
  StatementScope scope(s);
  s.bind(1, range.begin);
  if (range.end) s.bind(2, *range.end);
  while (s.step()) {
    if (!visit(read_row(s).kv)) return;
  }
}

int64_t RevisionTable::count_live(const KeyRange& range) {
  if (range.single) return live(range.begin) ? 1 : 0;
  Statement& s = range.end ? count_live_bounded_ : count_live_open_;
  StatementScope scope(s);
  s.bind(1, range.begin);
  if (range.end) s.bind(2, *range.end);
  return s.step() ? s.int64(0) : 0;
}

std::optional<Row> RevisionTable::latest_at(std::string_view key, int64_t revision) {
  StatementScope scope(latest_at_);
  latest_at_.bind(1, key).bind(2, revision);
  if (!latest_at_.step()) return std::nullopt;
  return read_row(latest_at_);
}

std::optional<std::string> RevisionTable::next_key(const KeyRange& range, std::string_view from) {
  Statement& s = range.end ? next_key_bounded_ : next_key_open_;
  StatementScope scope(s);
  s.bind(1, from);
  if (range.end) s.bind(2, *range.end);
  if (!s.step()) return std::nullopt;
  return std::string(s.blob(0));
}

void RevisionTable::scan_revisions(int64_t first, int64_t last,
                                   const std::function<bool(const Row&)>& visit) {
  StatementScope scope(scan_revisions_);
  scan_revisions_.bind(1, first).bind(2, last);
  while (scan_revisions_.step()) {
    if (!visit(read_row(scan_revisions_))) return;
  }
}

std::vector<std::string> RevisionTable::keys_changed(int64_t after, int64_t upto) {
  StatementScope scope(keys_changed_);
  keys_changed_.bind(1, after).bind(2, upto);
  std::vector<std::string> keys;
  while (keys_changed_.step())
    keys.emplace_back(keys_changed_.blob(0));
  return keys;
}

void RevisionTable::remove_before(std::string_view key, int64_t main) {
  remove_before_.bind(1, key).bind(2, main).run();
}

void RevisionTable::remove(std::string_view key, int64_t main) {
  remove_.bind(1, key).bind(2, main).run();
}

}  // namespace etcd::mvcc
