#include "etcd/store/watcher_hub.h"

#include "etcd/store/path.h"

namespace etcd::store {

// One dispatch of one event: the event is copied into shared storage only when a watcher
// takes it, and listeners run once the hub is consistent again.
struct WatcherHub::Dispatch {
  const Event& event;
  Watcher::EventPtr shared;
  std::vector<std::shared_ptr<Watcher>> woken;

  ~Dispatch() {
    for (auto& watcher : woken)
      watcher->wake();
  }
};

WatcherHub::~WatcherHub() {
  for (auto& [path, list] : watchers_) {
    for (auto& watcher : list) {
      watcher->hub_ = nullptr;
      watcher->done_ = true;
    }
  }
}

std::shared_ptr<Watcher> WatcherHub::add(std::string path, bool recursive, bool stream,
                                         EtcdIndex since, EtcdIndex start) {
  std::shared_ptr<Watcher> watcher(new Watcher(path, recursive, stream, since, start));
  auto& list = watchers_[std::move(path)];
  watcher->position_ = list.insert(list.end(), watcher);
  watcher->hub_ = this;
  ++count_;
  return watcher;
}

std::shared_ptr<Watcher> WatcherHub::replayed(std::string path, bool recursive, bool stream,
                                              EtcdIndex start, Event event) {
  std::shared_ptr<Watcher> watcher(
      new Watcher(std::move(path), recursive, stream, event.index(), start));
  watcher->queue_.push_back(std::make_shared<const Event>(std::move(event)));
  watcher->done_ = !stream;
  return watcher;
}

void WatcherHub::notify(const Event& event) {
  Dispatch dispatch{event, nullptr, {}};
  const std::string& key = event.node.key;
  offer(event, "/", false, dispatch);
  for (size_t i = 1; i < key.size(); ++i) {
    if (key[i] == '/') offer(event, std::string_view(key).substr(0, i), false, dispatch);
  }
  if (key.size() > 1) offer(event, key, false, dispatch);
}

void WatcherHub::notify_removed(const Event& event, std::string_view path) {
  Dispatch dispatch{event, nullptr, {}};
  offer(event, path, true, dispatch);
}

std::vector<std::string> WatcherHub::watched_below(std::string_view dir) const {
  std::vector<std::string> paths;
  std::string lower = descendants_lower(dir);
  std::string upper = descendants_upper(dir);
  for (auto it = watchers_.upper_bound(lower); it != watchers_.end() && it->first < upper; ++it) {
    paths.push_back(it->first);
  }
  return paths;
}

void WatcherHub::offer(const Event& event, std::string_view path, bool deleted,
                       Dispatch& dispatch) {
  auto found = watchers_.find(path);
  if (found == watchers_.end()) return;
  bool original_path = event.node.key == path;
  if (!original_path && hidden_from(path, event.node.key)) return;
  // Collected first: delivering may unlink watchers from this very list.
  std::vector<std::shared_ptr<Watcher>> matched;
  for (const auto& watcher : found->second) {
    bool interested = watcher->recursive_ || original_path || deleted;
    if (interested && event.index() >= watcher->since_index_) matched.push_back(watcher);
  }
  for (auto& watcher : matched)
    deliver(watcher, dispatch);
}

void WatcherHub::deliver(const std::shared_ptr<Watcher>& watcher, Dispatch& dispatch) {
  if (watcher->queue_.size() >= Watcher::kQueueCapacity) {
    // etcd: a client that cannot keep up loses its watch rather than stalling the store.
    watcher->overflowed_ = true;
    watcher->done_ = true;
    unlink(*watcher);
  } else {
    if (!dispatch.shared) dispatch.shared = std::make_shared<const Event>(dispatch.event);
    watcher->queue_.push_back(dispatch.shared);
    if (!watcher->stream_) {
      watcher->done_ = true;
      unlink(*watcher);
    }
  }
  dispatch.woken.push_back(watcher);
}

void WatcherHub::unlink(Watcher& watcher) {
  if (watcher.hub_ != this) return;
  watcher.hub_ = nullptr;
  --count_;
  auto found = watchers_.find(watcher.path_);
  // The list may hold the last reference; keep the watcher alive until we return.
  std::shared_ptr<Watcher> keep = *watcher.position_;
  found->second.erase(watcher.position_);
  if (found->second.empty()) watchers_.erase(found);
}

}  // namespace etcd::store
