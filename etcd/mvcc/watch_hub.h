// WatchHub: etcd 3.4's watchable store for the v3 Watch service, as a pure component on
// the keyspace's thread. Client streams each hold many watches over key ranges; a watch
// that starts in the past is caught up from history (or canceled with the compact
// revision when history is gone), then fed every change as it is applied. Replies go to
// the stream's sink synchronously, in order.
//
// Thread: the KvStore's (the server's strand). No clock, no I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "etcd/mvcc/key_range.h"
#include "etcd/mvcc/kv_store.h"
#include "etcd/mvcc/types.h"

namespace etcd::mvcc {

// etcdserverpb.WatchCreateRequest.
struct WatchRequest {
  // -1: the stream picks the lowest free id from 0 up (etcd's AutoWatchID; the gRPC layer
  // maps a client's 0 here). A refused create is answered with watch_id -1.
  int64_t watch_id = -1;
  std::string key;
  std::string range_end;       // as RangeRequest; "\0": every key >= key
  int64_t start_revision = 0;  // <= 0: from the next change
  bool progress_notify = false;
  bool no_put = false;
  bool no_delete = false;
  bool prev_kv = false;
};

// etcdserverpb.WatchResponse without the header's ids.
struct WatchResponse {
  int64_t watch_id = 0;
  bool created = false;
  bool canceled = false;
  int64_t compact_revision = 0;
  std::string cancel_reason;
  int64_t revision = 0;  // the header's revision
  std::vector<Event> events;

  bool operator==(const WatchResponse&) const = default;
};

// etcd's texts.
inline constexpr std::string_view kErrDuplicateWatchId =
    "mvcc: duplicate watch ID provided on the WatchStream";
inline constexpr std::string_view kErrEmptyWatchRange = "mvcc: watcher range is empty";

class WatchHub {
 public:
  using Sink = std::function<void(WatchResponse)>;
  // Catch-up replies carry at most this many revisions each (etcd's watchBatchMaxRevs).
  static constexpr int64_t kBatchRevisions = 1000;

  explicit WatchHub(KvStore& kv) : kv_(&kv) {}

  uint64_t open_stream(Sink sink);
  // Forgets the stream's watches; its sink is never called again.
  void close_stream(uint64_t stream);
  void create(uint64_t stream, const WatchRequest& request);
  // Answers canceled, or nothing for an unknown id (as etcd).
  void cancel(uint64_t stream, int64_t watch_id);
  // WatchProgressRequest: one reply with watch_id -1 at the current revision.
  void request_progress(uint64_t stream);
  // etcd's periodic progress notification: an empty reply to every watch that asked for
  // them and saw no event since the last call.
  void notify_progress();

  // After a write request applied `events` (one main revision, in order).
  void notify(const std::vector<Event>& events);
  // After a snapshot replaced the keyspace: `kv` is the reopened store; every watch is
  // caught up from where it was (or canceled with the compact revision).
  void restored(KvStore& kv);

  size_t watch_count() const;

 private:
  struct Watcher {
    KeyRange range;
    int64_t next_revision = 0;  // the first revision not yet delivered
    bool progress_notify = false;
    bool no_put = false;
    bool no_delete = false;
    bool prev_kv = false;
    bool idle = true;  // no event since the last progress notification
  };
  struct Stream {
    Sink sink;
    std::map<int64_t, Watcher> watchers;
    int64_t next_auto_id = 0;
  };

  // Delivers history from the watcher's next revision to the current one. False when the
  // watcher was canceled because that history is compacted away.
  bool catch_up(Stream& stream, int64_t id, Watcher& watcher);
  std::vector<Event> select(const Watcher& watcher, const std::vector<Event>& events) const;

  KvStore* kv_;
  std::map<uint64_t, Stream> streams_;
  uint64_t next_stream_ = 1;
};

}  // namespace etcd::mvcc
