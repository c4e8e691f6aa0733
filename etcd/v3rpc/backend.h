// Backend: what the v3 gRPC services need from the member, without protobuf or Asio (the
// v3 twin of etcd/api/backend.h). EtcdServer implements it by hopping onto its strand.
// Every callback runs exactly once, on any thread: with the answer, or with an error
// (etcd's texts: "etcdserver: request timed out", "etcdserver: server stopped", ...).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "etcd/common/result.h"
#include "etcd/mvcc/codec.h"
#include "etcd/mvcc/request.h"
#include "etcd/mvcc/types.h"
#include "etcd/mvcc/watch_hub.h"
#include "etcd/server/member.h"

namespace etcd::v3rpc {

// etcdserverpb.ResponseHeader: who answered, at which revision and raft term.
struct Header {
  uint64_t cluster_id = 0;
  uint64_t member_id = 0;
  int64_t revision = 0;
  uint64_t raft_term = 0;
};

template <typename T>
using Reply = std::function<void(Result<T>, Header)>;

// Maintenance.Status.
struct StatusInfo {
  std::string version;
  int64_t db_size = 0;
  int64_t db_size_in_use = 0;
  uint64_t leader = 0;
  uint64_t raft_index = 0;
  uint64_t raft_term = 0;
  uint64_t raft_applied_index = 0;
  bool is_learner = false;
  std::vector<std::string> errors;
};

// Lease.TimeToLive.
struct LeaseStatus {
  int64_t id = 0;
  int64_t ttl = -1;  // seconds left; -1: no such lease (etcd answers so, not an error)
  int64_t granted_ttl = 0;
  std::vector<std::string> keys;  // only when asked for
};

struct MemberChange {
  server::Member member;                // the member added, removed, updated or promoted
  std::vector<server::Member> members;  // the membership after the change
};

// One client watch stream's watches on the member (etcd/mvcc/watch_hub.h has the rules).
// Methods may be called from any thread; replies arrive in order through the sink given to
// Backend::open_watch_stream, each with the header to send (its revision is the reply's).
class WatchStream {
 public:
  virtual ~WatchStream() = default;
  virtual void create(mvcc::WatchRequest request) = 0;
  virtual void cancel(int64_t watch_id) = 0;
  virtual void request_progress() = 0;
  // Ends every watch of the stream; the sink is not called again once close() returns.
  virtual void close() = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // KV. Linearizable reads (serializable = false) wait for a ReadIndex.
  virtual void range(mvcc::RangeRequest request, Reply<mvcc::RangeResponse> done) = 0;
  virtual void write(mvcc::WriteRequest request, Reply<mvcc::WriteResponse> done) = 0;

  // Watch.
  virtual std::shared_ptr<WatchStream> open_watch_stream(
      std::function<void(mvcc::WatchResponse, Header)> sink) = 0;

  // Lease. Grant: id 0 = the member picks one; the TTL is raised to the minimum (etcd's
  // 1.5 election timeouts). Renew answers TTL 0 for an unknown lease.
  virtual void lease_grant(int64_t id, int64_t ttl, Reply<mvcc::LeaseResponse> done) = 0;
  virtual void lease_revoke(int64_t id, Reply<mvcc::LeaseResponse> done) = 0;
  virtual void lease_renew(int64_t id, Reply<mvcc::LeaseResponse> done) = 0;
  virtual void lease_time_to_live(int64_t id, bool keys, Reply<LeaseStatus> done) = 0;
  virtual void lease_list(Reply<std::vector<int64_t>> done) = 0;

  // Maintenance.
  virtual void status(Reply<StatusInfo> done) = 0;
  virtual void hash_kv(int64_t revision, Reply<mvcc::HashKvResponse> done) = 0;
  // etcd's backend file of the v3 keyspace at one moment (bbolt, etcd 3.4's layout), then
  // the 32-byte SHA-256 of that file.
  virtual void snapshot(Reply<std::string> done) = 0;
  virtual void move_leader(uint64_t target, Reply<bool> done) = 0;
  // GET lists the raised alarms; ACTIVATE/DEACTIVATE go through the log and answer the
  // alarm they changed (none when it already was so).
  virtual void alarm(mvcc::AlarmRequest request, Reply<mvcc::AlarmResponse> done) = 0;

  // Cluster.
  virtual void member_list(Reply<std::vector<server::Member>> done) = 0;
  virtual void member_add(std::vector<std::string> peer_urls, bool learner,
                          Reply<MemberChange> done) = 0;
  virtual void member_remove(uint64_t id, Reply<MemberChange> done) = 0;
  virtual void member_update(uint64_t id, std::vector<std::string> peer_urls,
                             Reply<MemberChange> done) = 0;
  virtual void member_promote(uint64_t id, Reply<MemberChange> done) = 0;
};

}  // namespace etcd::v3rpc
