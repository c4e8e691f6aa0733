// Store: the writes that create or change a node — set, create (incl. in-order keys),
// update and compare-and-swap (etcd store.go Set, Create, Update, CompareAndSwap,
// internalCreate).
#include <string>

#include "etcd/store/path.h"
#include "etcd/store/store.h"

namespace etcd::store {
namespace {

// etcd internalCreate treats expirations before 2000-01-01T00:00:00Z as "no TTL".
constexpr int64_t kMinExpirationNs = 946'684'800LL * 1'000'000'000LL;

Event event_at(Action action, EtcdIndex index) {
  Event event;
  event.action = action;
  event.etcd_index = index;
  return event;
}

}  // namespace

// etcd getCompareFailCause: "[prevValue != value]", "[prevIndex != modifiedIndex]", or
// both separated by a space (value first) when both comparisons fail.
std::optional<std::string> Store::compare_failure(const NodeRow& row, const Request& request) {
  bool index_ok = request.prev_index.value == 0 || row.modified_index == request.prev_index;
  bool value_ok = request.prev_value.empty() || row.value == request.prev_value;
  if (index_ok && value_ok) return std::nullopt;
  std::string value_cause = "[" + request.prev_value + " != " + row.value + "]";
  std::string index_cause = "[" + std::to_string(request.prev_index.value) +
                            " != " + std::to_string(row.modified_index.value) + "]";
  if (!index_ok && !value_ok) return value_cause + " " + index_cause;
  return index_ok ? value_cause : index_cause;
}

// etcd checkDir over the parent's path: missing directories are created with the write's
// index; a file on the way is error 104 naming that file.
std::optional<StoreError> Store::make_parents(const std::string& clean, EtcdIndex next) {
  std::string parent(parent_path(clean));
  if (nodes_.is_directory(parent)) return std::nullopt;
  if (nodes_.find(parent)) {
    // Every ancestor of an existing node is a directory, so this file is the first one.
    return error(ErrorCode::not_dir, parent);
  }
  bool missing = false;
  for (size_t end = 1; end <= parent.size(); ++end) {
    if (end != parent.size() && parent[end] != '/') continue;
    std::string prefix = parent.substr(0, end);
    if (!missing) {
      auto row = nodes_.find(prefix);
      if (row && !row->dir) return error(ErrorCode::not_dir, prefix);
      missing = !row;
    }
    if (missing) nodes_.put(NodeRow{prefix, true, "", next, next, 0});
  }
  return std::nullopt;
}

// etcd internalCreate: the node at `clean` with its parents; replaces `existing` (the
// current node at `clean`, looked up by the caller) when it is a file and `replace` is
// set. Does not publish.
StoreResult<Event> Store::create_node(const std::string& clean, const Request& request,
                                      const std::string& value, bool replace, Action action,
                                      const std::optional<NodeRow>& existing) {
  if (clean == "/") return error(ErrorCode::root_read_only, "/");
  EtcdIndex next = index_ + 1;
  // An existing node's parents are directories (table invariant): nothing to make.
  if (!existing) {
    if (auto failed = make_parents(clean, next)) {
      ++stats_.sets_fail;  // etcd counts this failure as a failed set whatever the action
      return *failed;
    }
  }
  Event event = event_at(action, next);
  if (existing) {
    if (!replace) return error(ErrorCode::node_exist, clean);
    if (existing->dir) return error(ErrorCode::not_file, clean);
    event.prev_node = node_of(*existing, request.time_ns);
  }
  int64_t expiration = request.expiration_ns < kMinExpirationNs ? 0 : request.expiration_ns;
  NodeRow row{clean, request.dir, request.dir ? "" : value, next, next, expiration};
  nodes_.put(row);
  event.node = node_of(row, request.time_ns);
  index_ = next;
  return event;
}

StoreResult<Event> Store::set(const Request& request) {
  std::string clean = clean_path(request.path);
  std::optional<NodeRow> existing = nodes_.find(clean);
  if (!existing && clean != "/") {
    // The hot path (a new key in a directory seen before) needs no walk from the root;
    // anything else takes etcd's walk, which names the error.
    if (!nodes_.is_directory(parent_path(clean))) {
      StoreError walked = walk_error(clean);
      if (walked.code != ErrorCode::key_not_found || request.refresh) return walked;
    } else if (request.refresh) {
      return error(ErrorCode::key_not_found, clean);
    }
  }
  const std::string& value = request.refresh ? existing->value : request.value;
  auto event = create_node(clean, request, value, true, Action::set, existing);
  if (!event) return event;
  event->refresh = request.refresh;
  publish(*event);
  return event;
}

StoreResult<Event> Store::create(const Request& request, bool in_order) {
  std::string clean = clean_path(request.path);
  if (in_order) clean = clean_path(join_path(clean, in_order_name(index_ + 1)));
  auto event =
      create_node(clean, request, request.value, false, Action::create, nodes_.find(clean));
  if (event) publish(*event);
  return event;
}

StoreResult<Event> Store::update(const Request& request) {
  std::string clean = clean_path(request.path);
  if (clean == "/") return error(ErrorCode::root_read_only, "/");
  auto found = lookup(clean);
  if (!found) return found.error();
  NodeRow row = std::move(found).value();
  if (row.dir && !request.value.empty()) return error(ErrorCode::not_file, clean);
  EtcdIndex next = index_ + 1;
  Event event = event_at(Action::update, next);
  event.prev_node = node_of(row, request.time_ns);
  if (!row.dir) {
    row.value = request.refresh ? row.value : request.value;
    row.modified_index = next;
  }
  // etcd 3.4 node.Write refuses a directory and Update ignores that error: a directory
  // keeps its modifiedIndex while the event reports the new index (observed on the wire).
  row.expiration_ns = request.expiration_ns;
  nodes_.put(row);
  event.node = node_of(row, request.time_ns);
  event.node.modified_index = next;
  event.refresh = request.refresh;
  index_ = next;
  publish(event);
  return event;
}

StoreResult<Event> Store::compare_and_swap(const Request& request) {
  std::string clean = clean_path(request.path);
  if (clean == "/") return error(ErrorCode::root_read_only, "/");
  auto found = lookup(clean);
  if (!found) return found.error();
  NodeRow row = std::move(found).value();
  if (row.dir) return error(ErrorCode::not_file, clean);
  if (auto cause = compare_failure(row, request)) return error(ErrorCode::test_failed, *cause);
  EtcdIndex next = index_ + 1;
  Event event = event_at(Action::compare_and_swap, next);
  event.prev_node = node_of(row, request.time_ns);
  if (!request.refresh) row.value = request.value;
  row.modified_index = next;
  row.expiration_ns = request.expiration_ns;
  nodes_.put(row);
  event.node = node_of(row, request.time_ns);
  event.refresh = request.refresh;
  index_ = next;
  publish(event);
  return event;
}

}  // namespace etcd::store
