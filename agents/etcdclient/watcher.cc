#include "agents/etcdclient/watcher.h"

#include <chrono>

#include "agents/etcdclient/codec.h"

namespace etcd::client {

Watcher::Watcher(Client& client, std::string key, const WatchOptions& options)
    : keys_(client),
      key_(std::move(key)),
      recursive_(options.recursive),
      wait_index_(options.after_index > 0 ? options.after_index + 1 : 0) {}

Result<WatchEvent> Watcher::next(uint64_t timeout_ms) {
  using SteadyClock = std::chrono::steady_clock;
  const auto deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    uint64_t remaining = 0;
    if (timeout_ms > 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - SteadyClock::now());
      if (left.count() <= 0) return Error{.kind = ErrorKind::timeout, .message = "watch timed out"};
      remaining = static_cast<uint64_t>(left.count());
    }
    auto polled = keys_.wait(key_, wait_index_, recursive_, remaining);
    if (!polled) {
      if (is_empty_body(polled.error())) continue;  // the server ended the poll: poll again
      if (polled.error().is(kEventIndexCleared)) return resync();
      return polled.error();
    }
    wait_index_ = polled->node.modified_index + 1;
    return WatchEvent{.response = std::move(polled).value()};
  }
}

Result<WatchEvent> Watcher::resync() {
  // A quorum read: a lagging member could answer with a state older than the events
  // already delivered, and the caller would reconcile backwards.
  auto read = keys_.get(key_, {.recursive = recursive_, .quorum = true});
  if (read) {
    wait_index_ = read->etcd_index + 1;
    return WatchEvent{.resync = true, .response = std::move(read).value()};
  }
  if (read.error().is(kKeyNotFound)) {
    wait_index_ = read.error().index + 1;
    Response missing;
    missing.action = "get";
    missing.node.key = key_;
    missing.etcd_index = read.error().index;
    return WatchEvent{.resync = true, .key_exists = false, .response = std::move(missing)};
  }
  return read.error();
}

}  // namespace etcd::client
