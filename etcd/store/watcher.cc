#include "etcd/store/watcher.h"

#include "etcd/store/watcher_hub.h"

namespace etcd::store {

std::vector<Watcher::EventPtr> Watcher::take_events() {
  std::vector<EventPtr> events(std::make_move_iterator(queue_.begin()),
                               std::make_move_iterator(queue_.end()));
  queue_.clear();
  return events;
}

void Watcher::set_listener(std::function<void()> listener) {
  listener_ = std::move(listener);
  if (!queue_.empty() || done_) wake();
}

void Watcher::remove() {
  done_ = true;
  if (hub_ != nullptr) hub_->unlink(*this);
}

}  // namespace etcd::store
