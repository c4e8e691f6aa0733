// PeerTransport: the Transport over Boost.Asio/Beast on the peer port (2380, legacy 7001).
// Wire format and threading contract: etcd/transport/README.md; operator view:
// docs/transport.md.
//
// Owns the listeners on --listen-peer-urls, one OutboundStream per peer (ordered,
// batched, reconnecting WebSocket to /raft/stream), snapshot transfers (POST
// /raft/snapshot), and admission of inbound raft traffic (our cluster ID, addressed to us,
// from a member added with add_peer). Never blocks: runs only on the io_context threads
// it is given and never waits for the network in a caller's thread.
// Threads: all methods are safe from any thread; per-peer state lives on per-peer
// strands; callbacks run on the io_context threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "etcd/common/random.h"
#include "etcd/common/result.h"
#include "etcd/transport/options.h"
#include "etcd/transport/stats.h"
#include "etcd/transport/transport.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace etcd::transport {

class TransportCore;
class Listener;

class PeerTransport final : public Transport {
 public:
  // Nothing is opened until start(). `rng` seeds the reconnect jitter of every peer.
  // Every other method requires a successful start() first.
  PeerTransport(boost::asio::io_context& io, Options options, PeerHandler handler, Rng rng);
  ~PeerTransport() override;  // stops

  PeerTransport(const PeerTransport&) = delete;
  PeerTransport& operator=(const PeerTransport&) = delete;

  // Validates the options, loads TLS files and binds every listen URL. Errors name the
  // cause: "listen tcp 127.0.0.1:2380: address already in use", "peer TLS: cannot load
  // certificate ...". On error nothing stays bound. Call once.
  Result<void> start();

  void send(std::vector<raft::Message> messages) override;
  void add_peer(NodeId id, std::vector<std::string> peer_urls) override;
  void update_peer(NodeId id, std::vector<std::string> peer_urls) override;
  void remove_peer(NodeId id) override;
  void stop() override;

  // The bound listen URLs, ports resolved (after start()).
  std::vector<std::string> listen_urls() const;
  Stats stats() const;

 private:
  boost::asio::io_context& io_;
  Options options_;
  PeerHandler handler_;
  std::shared_ptr<TransportCore> core_;  // set by start()
  std::vector<std::shared_ptr<Listener>> listeners_;
  struct Seeds;
  std::unique_ptr<Seeds> seeds_;  // one Rng per new peer, drawn under a mutex
};

}  // namespace etcd::transport
