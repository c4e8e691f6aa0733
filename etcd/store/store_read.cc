// Store: finding nodes, rendering them, and GET listings.
#include <limits>
#include <unordered_map>

#include "etcd/store/path.h"
#include "etcd/store/store.h"

namespace etcd::store {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;

}  // namespace

int64_t remaining_ttl_s(int64_t expiration_ns, int64_t now_ns) {
  int64_t left_ns = 0;
  if (__builtin_sub_overflow(expiration_ns, now_ns, &left_ns)) {
    left_ns = expiration_ns > now_ns ? std::numeric_limits<int64_t>::max()
                                     : std::numeric_limits<int64_t>::min();
  }
  // Go: ttl := d / time.Second; if d % time.Second > 0 { ttl++ } (truncating division).
  int64_t ttl = left_ns / kNsPerSecond;
  if (left_ns % kNsPerSecond > 0) ++ttl;
  return ttl;
}

Node node_of(const NodeRow& row, int64_t now_ns) {
  Node node;
  node.key = row.path;
  node.dir = row.dir;
  if (!row.dir) node.value = row.value;
  node.expiration_ns = row.expiration_ns;
  if (row.expiration_ns != 0) node.ttl_s = remaining_ttl_s(row.expiration_ns, now_ns);
  node.modified_index = row.modified_index;
  node.created_index = row.created_index;
  return node;
}

StoreResult<NodeRow> Store::lookup(const std::string& clean) {
  if (auto row = nodes_.find(clean)) return std::move(*row);
  return walk_error(clean);
}

// etcd store.internalGet walks from the root: the first component that is missing gives
// 100 (cause: that path), a file where a directory is needed gives 104 (cause: the file).
StoreError Store::walk_error(const std::string& clean) {
  bool parent_is_dir = true;
  std::string parent = "/";
  for (size_t end = 1; end <= clean.size(); ++end) {
    if (end != clean.size() && clean[end] != '/') continue;
    if (!parent_is_dir) return error(ErrorCode::not_dir, parent);
    std::string prefix = clean.substr(0, end);
    auto row = nodes_.find(prefix);
    if (!row) return error(ErrorCode::key_not_found, prefix);
    parent_is_dir = row->dir;
    parent = std::move(prefix);
  }
  ETCD_UNREACHABLE("walk_error on an existing path");
}

std::vector<Node> Store::list(const std::string& dir, int64_t now_ns) {
  std::vector<Node> nodes;
  for (const NodeRow& row : nodes_.children(dir)) {
    if (!is_hidden_name(base_name(row.path))) nodes.push_back(node_of(row, now_ns));
  }
  return nodes;
}

// A recursive listing from one range scan. Rows come in path order, so a parent always
// precedes its descendants (a prefix sorts first), but not depth-first ("/a/b-c" sorts
// between "/a/b" and "/a/b/c"): nodes are linked by row number, then built bottom-up.
std::vector<Node> Store::tree(const std::string& dir, int64_t now_ns) {
  std::vector<NodeRow> rows = nodes_.descendants(dir);
  std::unordered_map<std::string_view, size_t> shown;  // lookups only; never iterated
  std::vector<std::vector<size_t>> children(rows.size());
  std::vector<size_t> top;
  for (size_t i = 0; i < rows.size(); ++i) {
    std::string_view path = rows[i].path;
    if (is_hidden_name(base_name(path))) continue;
    std::string_view parent = parent_path(path);
    if (parent == dir) {
      top.push_back(i);
    } else if (auto found = shown.find(parent); found != shown.end()) {
      children[found->second].push_back(i);
    } else {
      continue;  // below a hidden directory
    }
    shown.emplace(path, i);
  }
  std::vector<Node> built(rows.size());
  for (size_t i = rows.size(); i-- > 0;) {
    if (!shown.contains(rows[i].path)) continue;
    built[i] = node_of(rows[i], now_ns);
    for (size_t child : children[i])
      built[i].children.push_back(std::move(built[child]));
  }
  std::vector<Node> nodes;
  nodes.reserve(top.size());
  for (size_t i : top)
    nodes.push_back(std::move(built[i]));
  return nodes;
}

StoreResult<Event> Store::get(std::string_view path, bool recursive, bool sorted, int64_t now_ns) {
  (void)sorted;  // listings are always sorted; see store.h
  std::string clean = clean_path(path);
  auto row = lookup(clean);
  if (!row) {
    ++stats_.gets_fail;
    return row.error();
  }
  ++stats_.gets_success;
  Event event;
  event.action = Action::get;
  event.etcd_index = index_;
  event.node = node_of(*row, now_ns);
  if (row->dir) event.node.children = recursive ? tree(clean, now_ns) : list(clean, now_ns);
  return event;
}

}  // namespace etcd::store
