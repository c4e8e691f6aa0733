// Server: accepts HTTP/1.1 connections on any number of addresses and hands each request
// to one Handler as an Exchange. Runs on the io_context threads it is given; each
// connection is serialised on its own strand. A listener is plain TCP or TLS; both run the
// same Session code.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "etcd/common/asio.h"
#include "etcd/common/result.h"
#include "etcd/http/exchange.h"
#include "etcd/http/limits.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace etcd::http {

class Session;
struct TlsRefusals;

class Server {
 public:
  Server(boost::asio::io_context& io, Limits limits, Handler handler,
         ResponseObserver observer = {});
  ~Server();

  // Binds host:port (port 0 picks a free one). Errors name the address, e.g.
  // "listen tcp 127.0.0.1:2379: address already in use". With `tls`, every connection
  // must open with a TLS handshake using that server context (certificate, and client
  // verification if it asks for it); plain HTTP is answered 400 and closed.
  Result<uint16_t> listen(const std::string& host, uint16_t port,
                          std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
  // Connections that open with the HTTP/2 client preface ("PRI * HTTP/2.0") speak another
  // protocol on the same port (gRPC, for etcd's v3 API). On a plain listener their socket,
  // with nothing read from it, is handed to `take`, which owns the file descriptor from
  // then on; on a TLS listener `take` gets one end of a socket pair carrying the decrypted
  // stream (Http2Splice), and ALPN offers "h2" to clients that offer nothing else. Without
  // one, such a connection is answered like any other bad HTTP/1.1 request. Call before
  // listen().
  using Http2Handoff = std::function<void(int fd)>;
  void set_http2_handoff(Http2Handoff take) { http2_handoff_ = std::move(take); }
  // Closes the listeners and every open connection (their exchanges are aborted).
  void stop();
  size_t connection_count() const { return connections_->load(); }

 private:
  struct Listener;
  struct Sniffer;
  void accept(std::shared_ptr<Listener> listener);
  void on_accept(std::shared_ptr<Listener> listener, boost::system::error_code ec,
                 boost::asio::ip::tcp::socket socket);
  void start_session(const std::shared_ptr<Listener>& listener,
                     boost::asio::ip::tcp::socket socket);
  // Peeks at a new connection's first bytes to tell HTTP/2 from HTTP/1.1.
  void sniff(std::shared_ptr<Listener> listener, boost::asio::ip::tcp::socket socket);
  void peek(std::shared_ptr<Listener> listener, std::shared_ptr<Sniffer> sniffer);

  boost::asio::io_context& io_;
  Limits limits_;
  Handler handler_;
  ResponseObserver observer_;
  Http2Handoff http2_handoff_;
  std::shared_ptr<std::atomic<size_t>> connections_;
  std::unique_ptr<TlsRefusals> tls_refusals_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<Listener>> listeners_;
  std::vector<std::weak_ptr<Session>> sessions_;
  bool stopped_ = false;
};

}  // namespace etcd::http
