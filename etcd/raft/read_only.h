// ReadOnly: ReadIndex requests waiting for the leader to confirm it still leads (Raft
// thesis §6.4). Each request records the commit index when it arrived; once a quorum has
// acknowledged a heartbeat carrying its context, it — and every request queued before
// it — can be answered with that index. Internal to raft/.
#pragma once

#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "etcd/raft/config.h"
#include "etcd/raft/types.h"

namespace etcd::raft {

struct ReadIndexStatus {
  Message request;
  Index index;
  std::set<NodeId> acks;
};

class ReadOnly {
 public:
  explicit ReadOnly(ReadOnlyOption option) : option_(option) {}

  ReadOnlyOption option() const { return option_; }
  // Queues a request (its context is request.entries[0].data) at commit index `index`.
  void add_request(Index index, const Message& request);
  // Records that `from` acknowledged the heartbeat with `ctx`; returns the acks so far.
  const std::set<NodeId>* recv_ack(NodeId from, const std::string& ctx);
  // Dequeues and returns every request up to and including the one with `ctx`.
  std::vector<ReadIndexStatus> advance(const std::string& ctx);
  // Context of the newest pending request ("" if none): heartbeats carry it.
  std::string last_pending_request_ctx() const;
  void clear();

 private:
  ReadOnlyOption option_;
  std::map<std::string, ReadIndexStatus> pending_;
  std::deque<std::string> queue_;
};

}  // namespace etcd::raft
