// Backend: what the HTTP API needs from the member that serves it. The server host
// implements it by hopping onto its raft strand; tests implement it in memory.
//
// Threads: every method may be called from any thread and returns at once; callbacks run
// later on an arbitrary thread (the host's strand), at most once each.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "etcd/api/keys_request.h"
#include "etcd/auth/auth.h"
#include "etcd/common/result.h"
#include "etcd/server/member.h"
#include "etcd/store/error.h"
#include "etcd/store/event.h"
#include "etcd/store/stats.h"

namespace etcd::api {

// The values behind X-Etcd-Cluster-Id, X-Etcd-Index, X-Raft-Index and X-Raft-Term.
struct IndexHeaders {
  uint64_t cluster_id = 0;
  uint64_t etcd_index = 0;
  uint64_t raft_index = 0;
  uint64_t raft_term = 0;
};

using EventResult = store::StoreResult<store::Event>;
using EventCallback = std::function<void(EventResult, IndexHeaders)>;

// A live watch, as the keys handler drives it.
struct WatchCallbacks {
  // Once: the watch is registered (headers to flush now) or failed (e.g. 401).
  std::function<void(store::StoreResult<IndexHeaders>)> on_start;
  // Each event, in order.
  std::function<void(std::shared_ptr<const store::Event>)> on_event;
  // No more events will come (one-shot fired, queue overflowed, store closed).
  std::function<void()> on_end;
};

// Cancels a watch; safe to call more than once and after it ended.
using CancelWatch = std::function<void()>;

struct MemberList {
  std::vector<server::Member> members;
  std::optional<NodeId> leader;
};

struct SelfStats {
  std::string name;
  uint64_t id = 0;
  bool is_leader = false;
  uint64_t leader_id = 0;
  int64_t start_time_ns = 0;
  int64_t leader_since_ns = 0;
  uint64_t recv_append_requests = 0;
  uint64_t send_append_requests = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual uint64_t cluster_id() const = 0;

  // Writes (PUT/POST/DELETE) go through raft; the event is the applied result.
  virtual void write(store::Request request, EventCallback done) = 0;
  // GET: served from this member's store, after a ReadIndex round when quorum is set.
  virtual void read(const KeysRequest& request, EventCallback done) = 0;
  virtual CancelWatch watch(const KeysRequest& request, WatchCallbacks callbacks) = 0;

  virtual void members(std::function<void(MemberList)> done) = 0;
  virtual void add_member(std::vector<std::string> peer_urls,
                          std::function<void(Result<server::Member>)> done) = 0;
  virtual void remove_member(uint64_t id, std::function<void(Result<server::Member>)> done) = 0;
  virtual void update_member(uint64_t id, std::vector<std::string> peer_urls,
                             std::function<void(Result<server::Member>)> done) = 0;

  virtual void store_stats(std::function<void(store::Stats)> done) = 0;
  virtual void self_stats(std::function<void(SelfStats)> done) = 0;
  // Leader only: per-follower counters and latency; nullopt on a follower.
  virtual void leader_stats(std::function<void(std::optional<std::string> json)> done) = 0;
  // Healthy: a leader is known and a quorum read succeeds (etcd /health).
  virtual void health(std::function<void(bool)> done) = 0;
  // Prometheus text exposition.
  virtual void metrics(std::function<void(std::string)> done) = 0;
  // The auth users, roles and switch as this member has applied them (its local store,
  // no raft round, as etcd checks). Changes are written with write() under auth::kStoreDir.
  virtual void auth_state(std::function<void(auth::State)> done) = 0;
};

}  // namespace etcd::api
