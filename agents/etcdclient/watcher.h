// Watcher: a continuous watch on a key (or a subtree) by repeated long-polls, each
// waiting from the index after the last event seen, so no event is missed or repeated
// between polls. When etcd answers 401 ("the event in requested index is outdated and
// cleared": more than 1000 events happened since), the watcher re-reads the key (a quorum
// read, so it is never older than what was delivered) and
// resumes after that read's index, reporting the read as a resync so the caller can
// reconcile from current state (etcd v2 keys API: waitIndex, X-Etcd-Index).
//
// Threading: borrows a Client; same rules (a watch blocks its thread, so an agent
// usually gives its watch its own Client).
#pragma once

#include <cstdint>
#include <string>

#include "agents/etcdclient/client.h"
#include "agents/etcdclient/keys_api.h"
#include "agents/etcdclient/result.h"
#include "agents/etcdclient/types.h"

namespace etcd::client {

struct WatchEvent {
  // false: `response` is one event (set, update, delete, expire, compareAndSwap, ...).
  // true: events were lost (401); `response` is a fresh read of the key (action "get",
  // recursive when the watch is), or key_exists is false when the key is gone.
  bool resync = false;
  bool key_exists = true;
  Response response;
};

class Watcher {
 public:
  Watcher(Client& client, std::string key, const WatchOptions& options);

  // Blocks until the next event, for at most timeout_ms (0: no limit). Errors: timeout
  // (nothing happened in time: call again, the position is kept), transport, etcd (e.g.
  // 100 when re-reading fails otherwise); after any error the position is kept too.
  Result<WatchEvent> next(uint64_t timeout_ms);

  // The waitIndex of the next poll (0: from the next change).
  uint64_t next_index() const { return wait_index_; }

 private:
  Result<WatchEvent> resync();

  KeysApi keys_;
  std::string key_;
  bool recursive_;
  uint64_t wait_index_;
};

}  // namespace etcd::client
