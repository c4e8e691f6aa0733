// The `nodes` table: one row per file or directory of the v2 keyspace, addressed by its
// clean path (schema in etcd/store/README.md). Row-level reads and writes with prepared
// statements; no v2 semantics (those live in Store).
//
// Invariants the Store keeps and this table relies on: the root "/" row always exists;
// every other row's parent row exists and is a directory; `parent` is parent_path(path).
// Owner thread only (the Store's).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "etcd/store/database.h"
#include "etcd/store/event.h"

namespace etcd::store {

struct NodeRow {
  std::string path;
  bool dir = false;
  std::string value;  // empty for directories
  EtcdIndex created_index;
  EtcdIndex modified_index;
  int64_t expiration_ns = 0;  // 0 = permanent

  bool operator==(const NodeRow&) const = default;
};

class NodeTable {
 public:
  // The schema must exist (Store creates it before constructing tables).
  explicit NodeTable(Database& db);

  std::optional<NodeRow> find(std::string_view path);
  // Whether `path` is an existing directory. Answers for directories seen before come from
  // memory (a write's parent is nearly always one): a directory is remembered with all its
  // ancestors, so forgetting a removed subtree is exact.
  bool is_directory(std::string_view path);
  // The database was replaced underneath (a snapshot restore): remember nothing.
  void forget_cached() { known_dirs_.clear(); }
  // Inserts the row, replacing any row at the same path.
  void put(const NodeRow& row);
  // Deletes the row at `path` and every descendant row.
  void remove_tree(std::string_view path);
  bool has_children(std::string_view dir);
  // Direct children of `dir`, ordered by path (byte order).
  std::vector<NodeRow> children(std::string_view dir);
  // All descendants of `dir` (not `dir` itself), ordered by path (byte order).
  std::vector<NodeRow> descendants(std::string_view dir);
  // The node with a TTL that expires first at or before `cutoff_ns` (ties: smallest path).
  std::optional<NodeRow> next_expired(int64_t cutoff_ns);
  // Number of rows, root included.
  uint64_t count();

 private:
  static NodeRow read_row(const Statement& s);
  std::vector<NodeRow> read_rows(Statement& s);

  Statement find_;
  Statement put_;
  Statement remove_tree_;
  Statement has_children_;
  Statement children_;
  Statement descendants_;
  Statement next_expired_;
  Statement count_;
  // Looked up by string_view, without building a string.
  struct PathHash {
    using is_transparent = void;
    size_t operator()(std::string_view path) const { return std::hash<std::string_view>{}(path); }
  };
  std::unordered_set<std::string, PathHash, std::equal_to<>> known_dirs_;  // bounded
};

}  // namespace etcd::store
