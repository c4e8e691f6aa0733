#include "etcd/mvcc/watch_hub.h"

#include <algorithm>

#include "etcd/mvcc/error.h"

namespace etcd::mvcc {

uint64_t WatchHub::open_stream(Sink sink) {
  const uint64_t id = next_stream_++;
  streams_[id].sink = std::move(sink);
  return id;
}

void WatchHub::close_stream(uint64_t stream) {
  streams_.erase(stream);
}

void WatchHub::create(uint64_t stream_id, const WatchRequest& request) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  Stream& stream = it->second;
  const int64_t current = kv_->current_revision();
  const KeyRange range = KeyRange::of(request.key, request.range_end);
  // etcd: a range_end at or before the key names nothing ("\0" means every key >= key).
  if (!range.single && range.end && *range.end <= range.begin) {
    stream.sink({.watch_id = -1,
                 .created = true,
                 .canceled = true,
                 .cancel_reason = std::string(kErrEmptyWatchRange),
                 .revision = current});
    return;
  }
  int64_t id = request.watch_id;
  if (id == -1) {
    while (stream.watchers.count(stream.next_auto_id))
      ++stream.next_auto_id;
    id = stream.next_auto_id++;
  } else if (stream.watchers.count(id)) {
    stream.sink({.watch_id = -1,
                 .created = true,
                 .canceled = true,
                 .cancel_reason = std::string(kErrDuplicateWatchId),
                 .revision = current});
    return;
  }
  Watcher watcher{range,
                  request.start_revision > 0 ? request.start_revision : current + 1,
                  request.progress_notify,
                  request.no_put,
                  request.no_delete,
                  request.prev_kv};
  stream.sink({.watch_id = id, .created = true, .revision = current});
  if (!catch_up(stream, id, watcher)) return;
  stream.watchers.emplace(id, std::move(watcher));
}

void WatchHub::cancel(uint64_t stream_id, int64_t watch_id) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end() || it->second.watchers.erase(watch_id) == 0) return;
  it->second.sink({.watch_id = watch_id, .canceled = true, .revision = kv_->current_revision()});
}

void WatchHub::request_progress(uint64_t stream_id) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  it->second.sink({.watch_id = -1, .revision = kv_->current_revision()});
}

void WatchHub::notify_progress() {
  const int64_t current = kv_->current_revision();
  for (auto& [sid, stream] : streams_) {
    for (auto& [id, watcher] : stream.watchers) {
      if (watcher.progress_notify && watcher.idle) {
        stream.sink({.watch_id = id, .revision = current});
      }
      watcher.idle = true;
    }
  }
}

void WatchHub::notify(const std::vector<Event>& events) {
  if (events.empty()) return;
  const int64_t revision = events.back().revision.main;
  for (auto& [sid, stream] : streams_) {
    for (auto& [id, watcher] : stream.watchers) {
      if (watcher.next_revision > revision) continue;  // already caught up past it
      watcher.next_revision = revision + 1;
      auto selected = select(watcher, events);
      if (selected.empty()) continue;
      watcher.idle = false;
      stream.sink({.watch_id = id, .revision = revision, .events = std::move(selected)});
    }
  }
}

void WatchHub::restored(KvStore& kv) {
  kv_ = &kv;
  for (auto& [sid, stream] : streams_) {
    for (auto it = stream.watchers.begin(); it != stream.watchers.end();) {
      if (catch_up(stream, it->first, it->second)) {
        ++it;
      } else {
        it = stream.watchers.erase(it);
      }
    }
  }
}

size_t WatchHub::watch_count() const {
  size_t n = 0;
  for (const auto& [sid, stream] : streams_)
    n += stream.watchers.size();
  return n;
}

bool WatchHub::catch_up(Stream& stream, int64_t id, Watcher& watcher) {
  const int64_t current = kv_->current_revision();
  while (watcher.next_revision <= current) {
    const int64_t last = std::min(current, watcher.next_revision + kBatchRevisions - 1);
    auto events = kv_->events(watcher.next_revision, last, 0, watcher.prev_kv);
    if (!events.ok()) {
      // Only kCompacted is possible: first < compact revision.
      stream.sink({.watch_id = id, .canceled = true, .compact_revision = kv_->compact_revision()});
      return false;
    }
    watcher.next_revision = last + 1;
    auto selected = select(watcher, *events);
    if (selected.empty()) continue;
    watcher.idle = false;
    stream.sink({.watch_id = id, .revision = current, .events = std::move(selected)});
  }
  return true;
}

std::vector<Event> WatchHub::select(const Watcher& watcher,
                                    const std::vector<Event>& events) const {
  std::vector<Event> out;
  for (const auto& event : events) {
    if (!watcher.range.contains(event.kv.key)) continue;
    if (event.type == EventType::kPut ? watcher.no_put : watcher.no_delete) continue;
    Event copy = event;
    if (!watcher.prev_kv) copy.prev_kv.reset();
    out.push_back(std::move(copy));
  }
  return out;
}

}  // namespace etcd::mvcc
