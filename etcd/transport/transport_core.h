// TransportCore: the state every part of a PeerTransport shares — options, callbacks,
// TLS contexts, the peer table (which is also the admission allow-list), the registry of
// open inbound connections, and counters. Held by shared_ptr by every coroutine, so a
// connection that outlives PeerTransport::stop() still finds valid state.
//
// Threads: every method may be called from any thread. The peer table and registry are
// guarded by small mutexes held only for lookups; callbacks run under a shared lock that
// stop() takes exclusively, so once stop() returns no callback is running or will start
// (stop() from inside a callback skips the wait).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <vector>

#include "etcd/transport/admission.h"
#include "etcd/transport/options.h"
#include "etcd/transport/stats.h"
#include "etcd/transport/transport.h"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}  // namespace ssl
}  // namespace boost::asio

namespace etcd::transport {

class OutboundStream;

class TransportCore {
 public:
  TransportCore(boost::asio::io_context& io, Options options, PeerHandler handler,
                std::shared_ptr<boost::asio::ssl::context> client_tls,
                std::shared_ptr<boost::asio::ssl::context> server_tls);

  boost::asio::io_context& io() const { return io_; }
  const Options& options() const { return options_; }
  LocalIdentity identity() const { return {options_.cluster_id, options_.local_id}; }
  // Null when not configured (https peers cannot be dialed / no https listener).
  boost::asio::ssl::context* client_tls() const { return client_tls_.get(); }
  boost::asio::ssl::context* server_tls() const { return server_tls_.get(); }
  StatsCounters& counters() { return counters_; }

  // The handler callbacks; each does nothing once stopped.
  void deliver(raft::Message message);
  void report_unreachable(NodeId peer);
  void report_snapshot(NodeId peer, bool ok);
  PeerHttpResponse serve_http(const PeerHttpRequest& request);

  // The peer table. is_member() is the admission allow-list (plus allow_unknown_senders).
  bool is_member(NodeId id) const;
  // Removed members are refused with 410 so they learn they were removed.
  SenderStatus sender_status(NodeId id) const;
  void mark_removed(NodeId id);
  void report_removed(NodeId by_peer);
  std::shared_ptr<OutboundStream> find_peer(NodeId id) const;
  // Inserts or replaces; returns the previous stream (to be stopped by the caller).
  std::shared_ptr<OutboundStream> put_peer(NodeId id, std::shared_ptr<OutboundStream> stream);
  std::shared_ptr<OutboundStream> take_peer(NodeId id);
  std::vector<std::shared_ptr<OutboundStream>> take_all_peers();

  // Inbound connections register a closer (which must post onto the connection's strand)
  // so stop() can end them; they unregister with the ticket before their socket closes.
  // Returns 0 (and keeps nothing) once stopped: the connection must then end itself.
  uint64_t track(std::function<void()> closer);
  void untrack(uint64_t ticket);

  bool stopped() const { return stopped_.load(std::memory_order_acquire); }
  // Marks the core stopped, waits for running callbacks, and calls every closer.
  void stop();

 private:
  template <typename F>
  void guarded(F&& callback);

  boost::asio::io_context& io_;
  const Options options_;
  const PeerHandler handler_;
  const std::shared_ptr<boost::asio::ssl::context> client_tls_;
  const std::shared_ptr<boost::asio::ssl::context> server_tls_;
  StatsCounters counters_;

  std::atomic<bool> stopped_{false};
  std::shared_mutex callback_mutex_;

  mutable std::mutex peers_mutex_;
  std::map<NodeId, std::shared_ptr<OutboundStream>> peers_;
  std::set<NodeId> removed_;

  std::mutex closers_mutex_;
  uint64_t next_ticket_ = 1;
  std::map<uint64_t, std::function<void()>> closers_;
};

}  // namespace etcd::transport
