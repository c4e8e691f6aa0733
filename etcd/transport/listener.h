// Listener: one bound peer URL (--listen-peer-urls) and its accept loop. Each accepted
// connection becomes an InboundConnection on its own strand.
//
// Threads: open() and close() from any thread; close() is synchronous (the port is free
// when it returns), which lets a restarted member rebind at once.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "etcd/common/result.h"
#include "etcd/transport/beast.h"
#include "etcd/transport/peer_url.h"
#include "etcd/transport/transport_core.h"

namespace etcd::transport {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Binds and listens. Errors read like Go's: "listen tcp 127.0.0.1:2380: address already
  // in use". An https URL needs the core's server TLS context.
  static Result<std::shared_ptr<Listener>> open(std::shared_ptr<TransportCore> core,
                                                const PeerUrl& url);

  Listener(std::shared_ptr<TransportCore> core, PeerUrl url, tcp::acceptor acceptor);

  void start();
  void close();
  // The URL actually bound (port 0 replaced by the chosen port).
  const PeerUrl& url() const { return url_; }

 private:
  void accept_next();
  void on_accept(const error_code& ec, tcp::socket socket);

  const std::shared_ptr<TransportCore> core_;
  PeerUrl url_;
  std::mutex mutex_;  // serialises async_accept initiation with close()
  tcp::acceptor acceptor_;
  asio::steady_timer pause_;  // after an accept error (e.g. EMFILE), before retrying
  bool closed_ = false;
};

}  // namespace etcd::transport
