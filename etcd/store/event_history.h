// The event history: the last kCapacity (1000) events, persisted in the `events` table so
// that a `waitIndex` watch is answered the same way before and after a restart (etcd
// EventHistory). Written in the same transaction as the write that produced the event.
//
// Invariant: every store index in (current - kCapacity, current] has exactly one event,
// because every v2 write bumps the index by one and records one event (refreshes too);
// older events go at the end of each batch (Store::commit_batch calls trim()).
// Owner thread only (the Store's).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "etcd/store/database.h"
#include "etcd/store/error.h"
#include "etcd/store/event.h"

namespace etcd::store {

class EventHistory {
 public:
  static constexpr uint64_t kCapacity = 1000;

  // The schema must exist (Store creates it before constructing tables).
  explicit EventHistory(Database& db);

  // Records `event` (indexed by event.index()). Part of the caller's transaction.
  void add(const Event& event);
  // Drops events older than the last kCapacity before `current`: once per batch (reads
  // happen between batches), not once per event.
  void trim(EtcdIndex current);

  // etcd EventHistory.scan: the first event at index >= `since` that a watcher at `key`
  // would see (the key itself; with `recursive`, anything below it; a deleted or expired
  // directory that contained it), skipping refresh events. Hidden keys are included.
  // nullopt when no recorded event matches (the caller registers a live watcher).
  // Error 401 (cause "the requested history has been cleared [oldest/since]", index
  // `current`) when `since` is older than the oldest recorded event.
  StoreResult<std::optional<Event>> scan(std::string_view key, bool recursive, EtcdIndex since,
                                         EtcdIndex current);

  // Oldest recorded index; nullopt while the history is empty.
  std::optional<EtcdIndex> oldest();

 private:
  bool matches(std::string_view watch_key, bool recursive, const Statement& row) const;

  Statement insert_;
  Statement trim_;
  Statement bounds_;
  Statement scan_;
};

}  // namespace etcd::store
