// etcd 3.4's clientv3/concurrency recipes (Mutex, Election), run inside the member over the
// Backend as etcd's v3lock and v3election servers run them over their own client. A lock
// or an election `name` is the keys under `name/`: each contender puts
// `name/<lease ID in hex>` with its lease, and the one with the lowest create revision holds
// the lock (leads). A contender waits by watching the newest key created before its own
// until it is deleted, then reads again.
//
// Everything is asynchronous: a waiting Lock or Campaign holds no thread, only a watch.
// Callbacks run on any thread (the member's strand, mostly), never under a lock of ours;
// requests and errors are etcd's (mvcc/validate, the store's texts), and the recipes' own
// errors have etcd's texts below. The gRPC services (lock_service.cc,
// election_service.cc) map every error to UNKNOWN, as etcd's servers return their
// client's errors.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "etcd/mvcc/types.h"
#include "etcd/mvcc/watch_hub.h"
#include "etcd/v3rpc/backend.h"

namespace etcd::v3rpc::concurrency {

// etcd's defaultSessionTTL: the lease a Lock or Campaign without one gets (seconds).
inline constexpr int64_t kSessionTtl = 60;

// etcd's texts (clientv3/concurrency, v3election).
inline constexpr std::string_view kErrNotLeader = "election: not leader";
inline constexpr std::string_view kErrNoLeader = "election: no leader";
inline constexpr std::string_view kErrSessionExpired = "mutex: session is expired";
inline constexpr std::string_view kErrMissingLeaderKey = "\"leader\" field must be provided";
inline constexpr std::string_view kErrLostWatcher = "lost watcher waiting for delete";

// `name` + "/" + the lease ID as Go's %x prints an int64 (lowercase, no padding, a minus
// sign for a negative one).
std::string owner_key(std::string_view name, int64_t lease);

// v3electionpb.LeaderKey.
struct LeaderKey {
  std::string name;
  std::string key;
  int64_t rev = 0;  // the key's create revision
  int64_t lease = 0;
};

// Many watches on one watch stream of the member, each with its own handler: the recipes'
// waits. One per service, so that no recipe ever closes a stream: a stream's sink runs
// under the stream's lock, where closing it would deadlock.
class WatchMux : public std::enable_shared_from_this<WatchMux> {
 public:
  using Handler = std::function<void(const mvcc::WatchResponse&, const Header&)>;

  static std::shared_ptr<WatchMux> create(Backend& backend);
  WatchMux(const WatchMux&) = delete;
  WatchMux& operator=(const WatchMux&) = delete;

  // Starts a watch (its watch_id is ours); `handler` gets its responses, created and
  // canceled ones included, on the member's thread. Returns the id for cancel().
  int64_t watch(mvcc::WatchRequest request, Handler handler);
  // No handler call for the watch starts after this returns.
  void cancel(int64_t id);
  // Ends the stream; no handler call starts after this returns. Not from a handler.
  void close();

 private:
  explicit WatchMux(Backend& backend) : backend_(backend) {}
  void deliver(const mvcc::WatchResponse& response, const Header& header);

  Backend& backend_;
  std::mutex mutex_;
  std::shared_ptr<WatchStream> stream_;  // opened by the first watch
  std::unordered_map<int64_t, Handler> handlers_;
  int64_t next_id_ = 1;
  bool closed_ = false;
};

// A Lock, Campaign or Observe in progress.
class Waiter {
 public:
  virtual ~Waiter() = default;
  // The caller went away. The wait stops and what the recipe wrote is undone: a Lock's
  // key deleted, a Campaign resigned, as etcd's recipes do when their context ends. The
  // answer callback may still run once if it was already on its way.
  virtual void cancel() = 0;
};

// Lock (etcd's Mutex.Lock): answers the owner key once every key under name/ created
// before it is gone. lease 0: a kSessionTtl lease is granted for the key.
std::shared_ptr<Waiter> lock(Backend& backend, std::shared_ptr<WatchMux> watches, std::string name,
                             int64_t lease, Reply<std::string> done);
// Unlock: deletes `key`.
void unlock(Backend& backend, std::string key, Reply<void> done);

// Campaign (etcd's Election.Campaign): creates the owner key with `value` (a key that
// exists, from an earlier campaign with the lease, gets the value proclaimed) and answers
// once it leads. The answer's header is that of the key's creation, as etcd's.
std::shared_ptr<Waiter> campaign(Backend& backend, std::shared_ptr<WatchMux> watches,
                                 std::string name, int64_t lease, std::string value,
                                 Reply<LeaderKey> done);
// Proclaim: puts `value` on the leader key if its create revision is still leader.rev
// (kErrNotLeader otherwise). leader.lease 0: a kSessionTtl lease is granted, as etcd's.
void proclaim(Backend& backend, LeaderKey leader, std::string value, Reply<void> done);
// Resign: deletes the leader key if its create revision is still leader.rev; answers the
// header either way.
void resign(Backend& backend, LeaderKey leader, Reply<void> done);
// Leader: the key under name/ with the lowest create revision (kErrNoLeader: none).
void leader(Backend& backend, std::string name, Reply<mvcc::KeyValue> done);

// Observe (etcd's Election.Observe): the current leader, each of its proclamations, then
// the next leader, ... as `on_leader` calls in order, until cancel() or until a read or
// watch fails, when `on_end` runs (etcd ends its stream without an error then).
std::shared_ptr<Waiter> observe(Backend& backend, std::shared_ptr<WatchMux> watches,
                                std::string name,
                                std::function<void(mvcc::KeyValue, Header)> on_leader,
                                std::function<void()> on_end);

}  // namespace etcd::v3rpc::concurrency
