// Store: the writes that remove nodes — delete, compare-and-delete and TTL expiry (etcd
// store.go Delete, CompareAndDelete, DeleteExpiredKeys, node.Remove).
#include "etcd/common/assert.h"
#include "etcd/store/path.h"
#include "etcd/store/store.h"

namespace etcd::store {
namespace {

// The node of a removal event: key, dir, the removal's index, the original createdIndex;
// no value.
Event removal_event(Action action, const NodeRow& row, EtcdIndex index, int64_t now_ns) {
  Event event;
  event.action = action;
  event.etcd_index = index;
  event.node.key = row.path;
  event.node.dir = row.dir;
  event.node.modified_index = index;
  event.node.created_index = row.created_index;
  event.prev_node = node_of(row, now_ns);
  return event;
}

}  // namespace

// Deletes `row` with everything below it and tells the watchers at the removed paths
// (etcd node.Remove callback, deleted=true): first those below, deepest path first, then
// the node's own. The caller publishes the event afterwards, which offers it to the
// watchers at the node's path once more (so a stream watcher there sees it twice, as on
// etcd 3.4) and to those above.
void Store::remove_tree(const NodeRow& row, const Event& event) {
  std::vector<std::string> removed;
  if (row.dir) {
    for (std::string& path : hub_.watched_below(row.path)) {
      if (nodes_.find(path)) removed.push_back(std::move(path));
    }
  }
  nodes_.remove_tree(row.path);
  for (auto it = removed.rbegin(); it != removed.rend(); ++it)
    hub_.notify_removed(event, *it);
  hub_.notify_removed(event, row.path);
}

StoreResult<Event> Store::remove(const Request& request) {
  std::string clean = clean_path(request.path);
  if (clean == "/") return error(ErrorCode::root_read_only, "/");
  auto found = lookup(clean);
  if (!found) return found.error();
  const NodeRow& row = *found;
  if (row.dir) {
    bool dir = request.dir || request.recursive;  // recursive implies dir
    if (!dir) return error(ErrorCode::not_file, clean);
    if (!request.recursive && nodes_.has_children(clean)) {
      return error(ErrorCode::dir_not_empty, clean);
    }
  }
  Event event = removal_event(Action::remove, row, index_ + 1, request.time_ns);
  index_ = index_ + 1;
  remove_tree(row, event);
  publish(event);
  return event;
}

// Unlike the other writes, etcd does not guard the root here: it fails as "not a file".
StoreResult<Event> Store::compare_and_delete(const Request& request) {
  std::string clean = clean_path(request.path);
  auto found = lookup(clean);
  if (!found) return found.error();
  const NodeRow& row = *found;
  if (row.dir) return error(ErrorCode::not_file, path_cause(clean));
  if (auto cause = compare_failure(row, request)) return error(ErrorCode::test_failed, *cause);
  Event event = removal_event(Action::compare_and_delete, row, index_ + 1, request.time_ns);
  index_ = index_ + 1;
  remove_tree(row, event);
  publish(event);
  return event;
}

std::vector<Event> Store::expire(int64_t now_ns, Index raft_index) {
  ETCD_ASSERT(in_batch_, "expire outside a batch");
  ETCD_ASSERT(raft_index > last_raft_index_, "raft index not increasing");
  last_raft_index_ = raft_index;
  return expire_due(now_ns);
}

std::vector<Event> Store::expire_due(int64_t now_ns) {
  std::vector<Event> events;
  while (auto row = nodes_.next_expired(now_ns))
    events.push_back(expire_one(*row, now_ns));
  return events;
}

Event Store::expire_one(const NodeRow& row, int64_t now_ns) {
  Event event = removal_event(Action::expire, row, index_ + 1, now_ns);
  index_ = index_ + 1;
  remove_tree(row, event);
  ++stats_.expire_count;
  publish(event);
  return event;
}

}  // namespace etcd::store
