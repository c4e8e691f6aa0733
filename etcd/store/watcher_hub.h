// WatcherHub: the live watchers, keyed by the path they watch (etcd watcherHub). An event
// at /a/b/c is offered to the watchers at "/", "/a", "/a/b" and "/a/b/c" only, so a write
// costs O(depth · log W), never O(W), however many watchers idle elsewhere.
//
// Delivery rules (etcd watcher.notify + watcherHub.notifyWatchers):
//   - a watcher at the event's own path always matches; one above it only if recursive;
//     a watcher below a removed directory matches through notify_removed();
//   - a recursive watcher is not told about hidden keys below it ('_' components);
//   - events older than the watcher's since_index are skipped;
//   - one-shot watchers leave the hub after one event; stream watchers stay.
// Listeners run after the whole dispatch, in registration order per path.
// In memory only: watchers do not survive a restart. Owner thread only (the Store's).
#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "etcd/store/event.h"
#include "etcd/store/watcher.h"

namespace etcd::store {

class WatcherHub {
 public:
  WatcherHub() = default;
  // Detaches every watcher: each becomes done (listeners are not called).
  ~WatcherHub();
  WatcherHub(const WatcherHub&) = delete;
  WatcherHub& operator=(const WatcherHub&) = delete;

  // Registers a live watcher at the clean path `path`.
  std::shared_ptr<Watcher> add(std::string path, bool recursive, bool stream, EtcdIndex since,
                               EtcdIndex start);
  // A watcher answered from history: holds `event`, is not registered.
  static std::shared_ptr<Watcher> replayed(std::string path, bool recursive, bool stream,
                                           EtcdIndex start, Event event);

  // Offers `event` to the watchers at "/", every ancestor of its key, and the key.
  void notify(const Event& event);
  // Offers `event` to the watchers at `path` as a removal (etcd deleted=true): used for
  // the removed node itself and for each removed node below a removed directory.
  void notify_removed(const Event& event, std::string_view path);
  // Paths strictly below the clean directory `dir` that have live watchers, sorted.
  std::vector<std::string> watched_below(std::string_view dir) const;

  // Live (registered) watchers.
  size_t count() const { return count_; }

 private:
  friend class Watcher;
  struct Dispatch;

  void offer(const Event& event, std::string_view path, bool deleted, Dispatch& dispatch);
  void deliver(const std::shared_ptr<Watcher>& watcher, Dispatch& dispatch);
  void unlink(Watcher& watcher);

  std::map<std::string, std::list<std::shared_ptr<Watcher>>, std::less<>> watchers_;
  size_t count_ = 0;
};

}  // namespace etcd::store
