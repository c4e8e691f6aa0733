// Transport: how the server exchanges raft messages with the other members. The server
// hands it the messages of each Ready and tells it who the members are; the transport
// delivers inbound messages and reports peers it could not reach. Raft tolerates loss,
// duplication and reordering across connections, so the transport may drop (and says so)
// but never blocks the caller.
//
// Owns: the interface and the callback bundle. Implementations: PeerTransport
// (peer_transport.h, Boost.Asio/Beast) and the simulator's in-memory network.
// Threads: every method may be called from any thread and returns quickly; callbacks run
// on transport threads, so the server posts them onto its own strand.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "etcd/common/ids.h"
#include "etcd/raft/types.h"

namespace etcd::transport {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// A non-raft HTTP request on the peer port (GET /members, /version, ... from joining
// members and tools). The body is complete (at most 1 MiB).
struct PeerHttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, e.g. "/members"
  HeaderList headers;
  std::string body;
  std::string remote;  // "ip:port" of the caller, for logs
};

struct PeerHttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  HeaderList headers;
  std::string body;
};

// The default peer HTTP handler: GET /version answers a placeholder
// {"etcdserver":"...","etcdcluster":"..."}; everything else is 404.
PeerHttpResponse default_peer_http(const PeerHttpRequest& request);

struct PeerHandler {
  // An inbound raft message; messages from one sender's stream arrive in send order.
  // Snapshot messages arrive whole, with their data, after their checksum was verified.
  std::function<void(raft::Message)> on_message;
  // A send to this peer failed or its queue overflowed (raft: ReportUnreachable).
  std::function<void(NodeId)> on_unreachable;
  // A snapshot message to this peer finished sending; ok = the peer received and verified
  // it (raft: ReportSnapshot).
  std::function<void(NodeId, bool ok)> on_snapshot_status;
  // A peer refused our stream with 410: it has applied our removal from the cluster
  // (etcd: "the member has been permanently removed from the cluster").
  std::function<void(NodeId by_peer)> on_removed;
  // Anything on the peer port that is not raft traffic. Unset: default_peer_http.
  std::function<PeerHttpResponse(const PeerHttpRequest&)> on_http;
};

class Transport {
 public:
  virtual ~Transport();

  // Queues each message for its `to` member and returns at once. Messages to one peer
  // leave in order on one stream; snapshot messages go on their own connection and end in
  // on_snapshot_status. Messages to an unknown peer are dropped (logged at debug). When a
  // peer's queue is full the excess is dropped and on_unreachable(peer) is called.
  virtual void send(std::vector<raft::Message> messages) = 0;

  // Makes `id` a peer: starts its outbound stream (dialing `peer_urls` in turn) and admits
  // its inbound raft traffic. Adding an existing peer updates its URLs.
  virtual void add_peer(NodeId id, std::vector<std::string> peer_urls) = 0;
  // Replaces the URLs of a known peer (the next dial uses them; a connection to a URL no
  // longer listed is closed). Unknown ids are ignored.
  virtual void update_peer(NodeId id, std::vector<std::string> peer_urls) = 0;
  // Closes the peer's outbound stream, drops its queue and refuses its inbound traffic
  // with 410 from now on (a removed member learns it that way).
  virtual void remove_peer(NodeId id) = 0;

  // Closes listeners and every connection; no callback starts after stop() returns except
  // those already running. Idempotent.
  virtual void stop() = 0;
};

}  // namespace etcd::transport
