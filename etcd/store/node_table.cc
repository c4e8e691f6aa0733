#include "etcd/store/node_table.h"

#include "etcd/store/path.h"

namespace etcd::store {
namespace {

const std::string kColumns = "path, is_dir, value, created_index, modified_index, expiration_ns";

// Enough for every directory a busy cluster writes into; past it the memory starts over.
constexpr size_t kMaxKnownDirs = 4096;

std::string select_where(std::string_view tail) {
  return "SELECT " + kColumns + " FROM nodes WHERE " + std::string(tail);
}

}  // namespace

NodeTable::NodeTable(Database& db)
    : find_(db.handle(), select_where("path = ?1")),
      put_(db.handle(), "INSERT OR REPLACE INTO nodes (" + kColumns +
                            ", parent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
      remove_tree_(db.handle(), "DELETE FROM nodes WHERE path = ?1 OR (path > ?2 AND path < ?3)"),
      has_children_(db.handle(), "SELECT 1 FROM nodes WHERE parent = ?1 LIMIT 1"),
      children_(db.handle(), select_where("parent = ?1 ORDER BY path")),
      descendants_(db.handle(), select_where("path > ?1 AND path < ?2 ORDER BY path")),
      // The partial index nodes_by_expiration serves this (expiration_ns != 0 in both).
      next_expired_(db.handle(), select_where("expiration_ns != 0 AND expiration_ns <= ?1 "
                                              "ORDER BY expiration_ns, path LIMIT 1")),
      count_(db.handle(), "SELECT count(*) FROM nodes") {}

NodeRow NodeTable::read_row(const Statement& s) {
  NodeRow row;
  row.path = s.blob(0);
  row.dir = s.int64(1) != 0;
  row.value = s.blob(2);
  row.created_index = EtcdIndex(static_cast<uint64_t>(s.int64(3)));
  row.modified_index = EtcdIndex(static_cast<uint64_t>(s.int64(4)));
  row.expiration_ns = s.int64(5);
  return row;
}

std::vector<NodeRow> NodeTable::read_rows(Statement& s) {
  std::vector<NodeRow> rows;
  while (s.step())
    rows.push_back(read_row(s));
  return rows;
}

std::optional<NodeRow> NodeTable::find(std::string_view path) {
  StatementScope scope(find_);
  find_.bind(1, path);
  if (!find_.step()) return std::nullopt;
  return read_row(find_);
}

bool NodeTable::is_directory(std::string_view path) {
  if (known_dirs_.contains(path)) return true;
  auto row = find(path);
  if (!row || !row->dir) return false;
  if (known_dirs_.size() >= kMaxKnownDirs) known_dirs_.clear();
  // Ancestors of a row are directories (table invariant).
  for (std::string_view dir = path; known_dirs_.emplace(dir).second && dir != "/";) {
    dir = parent_path(dir);
  }
  return true;
}

void NodeTable::put(const NodeRow& row) {
  if (!row.dir) known_dirs_.erase(row.path);  // never happens to a directory; cheap insurance
  put_.bind(1, row.path)
      .bind(2, int64_t{row.dir ? 1 : 0})
      .bind(3, row.value)
      .bind(4, row.created_index.value)
      .bind(5, row.modified_index.value)
      .bind(6, row.expiration_ns)
      .bind(7, parent_path(row.path));
  put_.run();
}

void NodeTable::remove_tree(std::string_view path) {
  if (known_dirs_.contains(path)) {
    const std::string below = std::string(path) + "/";
    std::erase_if(known_dirs_, [&](const std::string& dir) {
      return dir == path || dir.starts_with(below);
    });
  }
  std::string lower = descendants_lower(path);
  std::string upper = descendants_upper(path);
  remove_tree_.bind(1, path).bind(2, lower).bind(3, upper);
  remove_tree_.run();
}

bool NodeTable::has_children(std::string_view dir) {
  StatementScope scope(has_children_);
  has_children_.bind(1, dir);
  return has_children_.step();
}

std::vector<NodeRow> NodeTable::children(std::string_view dir) {
  StatementScope scope(children_);
  children_.bind(1, dir);
  return read_rows(children_);
}

std::vector<NodeRow> NodeTable::descendants(std::string_view dir) {
  StatementScope scope(descendants_);
  std::string lower = descendants_lower(dir);
  std::string upper = descendants_upper(dir);
  descendants_.bind(1, lower).bind(2, upper);
  return read_rows(descendants_);
}

std::optional<NodeRow> NodeTable::next_expired(int64_t cutoff_ns) {
  StatementScope scope(next_expired_);
  next_expired_.bind(1, cutoff_ns);
  if (!next_expired_.step()) return std::nullopt;
  return read_row(next_expired_);
}

uint64_t NodeTable::count() {
  StatementScope scope(count_);
  count_.step();
  return static_cast<uint64_t>(count_.int64(0));
}

}  // namespace etcd::store
