// Watcher: one client's interest in the changes at or below a path (etcd v2 `wait=true`).
// The hub queues matching events into it; the API layer takes them out and writes them to
// the client. A watcher costs a small object and a list node: no thread, no timer.
//
// Lifecycle: a one-shot watcher is done after its first event; a stream watcher stays
// until remove(), until its queue overflows (kQueueCapacity events not taken: etcd closes
// such a watch, the client re-watches), or until the store is destroyed.
//
// Thread: the Store's owner thread only, including the listener callback; an API layer on
// other threads must hop onto that thread to take events or remove the watcher.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "etcd/store/event.h"

namespace etcd::store {

class WatcherHub;

class Watcher {
 public:
  using EventPtr = std::shared_ptr<const Event>;
  // etcd's eventChan buffer size.
  static constexpr size_t kQueueCapacity = 100;

  const std::string& path() const { return path_; }
  bool recursive() const { return recursive_; }
  bool stream() const { return stream_; }
  // Events with a smaller index are not delivered (etcd sinceIndex).
  EtcdIndex since_index() const { return since_index_; }
  // The store index when the watch started: X-Etcd-Index of the watch response.
  EtcdIndex start_index() const { return start_index_; }

  // Events queued and not yet taken, oldest first; the queue is empty afterwards.
  std::vector<EventPtr> take_events();
  bool has_events() const { return !queue_.empty(); }
  // No event will be queued any more (one-shot fired, overflowed, removed, store gone).
  // A stream watcher answered from history is never done: like etcd, it delivers that one
  // event and then stays open without further events until the client goes away.
  bool done() const { return done_; }
  // True when the watcher was dropped because kQueueCapacity events were pending.
  bool overflowed() const { return overflowed_; }

  // `listener` runs on the store's thread right after events are queued or the watcher
  // becomes done (never while the hub is mid-dispatch). If events are already pending it
  // runs at once. It may call take_events() and remove(), but must not call Store writes.
  void set_listener(std::function<void()> listener);

  // Unregisters the watcher (idempotent). Call when the client goes away.
  void remove();

 private:
  friend class WatcherHub;
  Watcher(std::string path, bool recursive, bool stream, EtcdIndex since, EtcdIndex start)
      : path_(std::move(path)),
        recursive_(recursive),
        stream_(stream),
        since_index_(since),
        start_index_(start) {}

  void wake() {
    if (listener_) listener_();
  }

  std::string path_;
  bool recursive_;
  bool stream_;
  EtcdIndex since_index_;
  EtcdIndex start_index_;
  std::deque<EventPtr> queue_;
  bool done_ = false;
  bool overflowed_ = false;
  std::function<void()> listener_;
  // Set while registered; the hub clears it when it unlinks the watcher or goes away.
  WatcherHub* hub_ = nullptr;
  std::list<std::shared_ptr<Watcher>>::iterator position_;
};

}  // namespace etcd::store
