// Row access to the v3 keyspace's tables (schema in etcd/mvcc/README.md): every revision of
// every key in `mvcc_revisions`, the live keys in `mvcc_keys`, counters in `mvcc_meta`.
// Prepared statements only; no etcd semantics beyond keeping `mvcc_keys` in step with the
// rows written (those live in KvStore).
//
// Callbacks of the scans run while a statement is open: they must not write, and may use
// this table's point lookups (other statements). Owner thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "etcd/mvcc/key_range.h"
#include "etcd/mvcc/types.h"
#include "etcd/store/database.h"

namespace etcd::mvcc {

// One revision of one key. A tombstone's kv holds only key and mod_revision.
struct Row {
  KeyValue kv;
  int64_t sub = 0;
  bool tombstone = false;

  Revision revision() const { return {kv.mod_revision, sub}; }
};

class RevisionTable {
 public:
  // The schema must exist (ensure_schema).
  explicit RevisionTable(store::Database& db);

  int64_t meta(std::string_view name);
  void set_meta(std::string_view name, int64_t value);

  // Appends a revision; a put makes it the key's live row, a tombstone ends the key.
  void insert(const Row& row);

  // The key's live value now.
  std::optional<KeyValue> live(std::string_view key);
  // Live keys in `range`, in key order, until `visit` returns false.
  void scan_live(const KeyRange& range, const std::function<bool(KeyValue&&)>& visit);
  int64_t count_live(const KeyRange& range);

  // The key's newest row with main <= `revision` (a tombstone included).
  std::optional<Row> latest_at(std::string_view key, int64_t revision);
  // The smallest key >= `from` in `range` that has any row.
  std::optional<std::string> next_key(const KeyRange& range, std::string_view from);

  // Rows with first <= main <= last in revision order, until `visit` returns false.
  void scan_revisions(int64_t first, int64_t last, const std::function<bool(const Row&)>& visit);

  // Keys with a row in (after, upto].
  std::vector<std::string> keys_changed(int64_t after, int64_t upto);
  // Removes the key's rows with main < `main`.
  void remove_before(std::string_view key, int64_t main);
  void remove(std::string_view key, int64_t main);

 private:
  static Row read_row(const store::Statement& s);

  store::Statement read_meta_;
  store::Statement write_meta_;
  store::Statement insert_;
  store::Statement put_live_;
  store::Statement remove_live_;
  store::Statement live_;
  store::Statement scan_live_bounded_;
  store::Statement scan_live_open_;
  store::Statement count_live_bounded_;
  store::Statement count_live_open_;
  store::Statement latest_at_;
  store::Statement next_key_bounded_;
  store::Statement next_key_open_;
  store::Statement scan_revisions_;
  store::Statement keys_changed_;
  store::Statement remove_before_;
  store::Statement remove_;
};

}  // namespace etcd::mvcc
