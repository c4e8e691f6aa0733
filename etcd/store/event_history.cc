#include "etcd/store/event_history.h"

#include <string>

#include "etcd/common/assert.h"

namespace etcd::store {
namespace {

// The key a delete/expire of a directory is also reported under (etcd scan: watchers
// below a removed directory see its removal), or empty.
std::string_view removed_dir_key(const Event& e) {
  bool removal = e.action == Action::remove || e.action == Action::expire;
  if (removal && e.prev_node && e.prev_node->dir) return e.prev_node->key;
  return {};
}

}  // namespace

EventHistory::EventHistory(Database& db)
    : insert_(db.handle(),
              "INSERT OR REPLACE INTO events (idx, key, refresh, dir_key, body) "
              "VALUES (?1, ?2, ?3, ?4, ?5)"),
      trim_(db.handle(), "DELETE FROM events WHERE idx <= ?1"),
      // Two subqueries: SQLite answers a lone min() or max() of the key from the b-tree
      // edge, but "SELECT min(idx), max(idx)" scans the whole table.
      bounds_(db.handle(), "SELECT (SELECT min(idx) FROM events), (SELECT max(idx) FROM events)"),
      scan_(db.handle(),
            "SELECT key, refresh, dir_key, body FROM events WHERE idx >= ?1 ORDER BY idx") {}

void EventHistory::add(const Event& event) {
  std::string body;
  encode(event, body);
  uint64_t index = event.index().value;
  insert_.bind(1, index).bind(2, event.node.key).bind(3, int64_t{event.refresh ? 1 : 0});
  std::string_view dir_key = removed_dir_key(event);
  if (!dir_key.empty()) insert_.bind(4, dir_key);
  insert_.bind(5, body);
  insert_.run();
}

void EventHistory::trim(EtcdIndex current) {
  if (current.value <= kCapacity) return;
  trim_.bind(1, current.value - kCapacity);
  trim_.run();
}

std::optional<EtcdIndex> EventHistory::oldest() {
  StatementScope scope(bounds_);
  bounds_.step();
  if (bounds_.is_null(0)) return std::nullopt;
  return EtcdIndex(static_cast<uint64_t>(bounds_.int64(0)));
}

bool EventHistory::matches(std::string_view watch_key, bool recursive, const Statement& row) const {
  std::string_view key = row.blob(0);
  if (key == watch_key) return true;
  if (recursive) {
    std::string prefix(watch_key);
    if (prefix.back() != '/') prefix.push_back('/');
    if (key.starts_with(prefix)) return true;
  }
  // etcd compares raw strings here, so a watcher at "/foobar" also sees the removal of
  // directory "/foo"; kept as observed.
  return !row.is_null(2) && watch_key.starts_with(row.blob(2));
}

StoreResult<std::optional<Event>> EventHistory::scan(std::string_view key, bool recursive,
                                                     EtcdIndex since, EtcdIndex current) {
  uint64_t oldest_index = 0, newest_index = 0;
  {
    StatementScope scope(bounds_);
    bounds_.step();
    if (bounds_.is_null(0)) return std::optional<Event>();
    oldest_index = static_cast<uint64_t>(bounds_.int64(0));
    newest_index = static_cast<uint64_t>(bounds_.int64(1));
  }
  if (since.value < oldest_index) {
    std::string cause = "the requested history has been cleared [" + std::to_string(oldest_index) +
                        "/" + std::to_string(since.value) + "]";
    return StoreError{ErrorCode::event_index_cleared, std::move(cause), current};
  }
  if (since.value > newest_index) return std::optional<Event>();
  StatementScope scope(scan_);
  scan_.bind(1, since.value);
  while (scan_.step()) {
    if (scan_.int64(1) != 0 || !matches(key, recursive, scan_)) continue;
    auto event = decode_event(scan_.blob(3));
    ETCD_ASSERT(event.ok(), "corrupt event in the history table");
    return std::optional<Event>(std::move(event).value());
  }
  return std::optional<Event>();
}

}  // namespace etcd::store
