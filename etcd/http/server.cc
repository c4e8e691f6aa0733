#include "etcd/http/server.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <string_view>

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <boost/asio/ssl.hpp>

#include "etcd/http/http2_splice.h"
#include "etcd/http/session.h"

namespace etcd::http {

namespace asio = boost::asio;
using asio::ip::tcp;

struct Server::Listener {
  Listener(asio::io_context& io, std::shared_ptr<asio::ssl::context> tls_context)
      : acceptor(asio::make_strand(io)),
        backoff(acceptor.get_executor()),
        tls(std::move(tls_context)) {}
  tcp::acceptor acceptor;
  asio::steady_timer backoff;  // after a failed accept (e.g. out of file descriptors)
  bool accept_failure_logged = false;
  std::shared_ptr<asio::ssl::context> tls;  // null: plain HTTP
};

namespace {

// Decrements the connection count when the session it rides along with is destroyed.
class ConnectionToken {
 public:
  explicit ConnectionToken(std::shared_ptr<std::atomic<size_t>> count) : count_(std::move(count)) {
    count_->fetch_add(1);
  }
  ConnectionToken(const ConnectionToken&) = delete;
  ConnectionToken& operator=(const ConnectionToken&) = delete;
  ~ConnectionToken() { count_->fetch_sub(1); }

 private:
  std::shared_ptr<std::atomic<size_t>> count_;
};

// Connections beyond the process's file-descriptor limit would make accept() fail in a
// loop and, worse, leave the member unable to open its WAL and database files. Keep a
// reserve for those and for peer connections.
size_t connection_cap(size_t configured) {
  constexpr size_t kReservedFds = 256;
  struct rlimit limit {};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return configured;
  const size_t fds = static_cast<size_t>(limit.rlim_cur);
  const size_t usable = fds > 2 * kReservedFds ? fds - kReservedFds : fds / 2;
  return std::min(configured, usable);
}

// ALPN on a TLS port that also serves gRPC. HTTP/2 only for a client that offers nothing
// else (gRPC clients offer just "h2", and C-core ones insist on getting it): curl and Go
// clients offer "http/1.1" too and get it, since HTTP/2 here is gRPC's alone.
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
                unsigned int in_len, void*) {
  const unsigned char* h2 = nullptr;
  for (unsigned int i = 0; i < in_len;) {
    const unsigned int len = in[i];
    if (len == 0 || i + 1 + len > in_len) break;
    const std::string_view name(reinterpret_cast<const char*>(in + i + 1), len);
    if (name == "http/1.1") {
      *out = in + i + 1;
      *out_len = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    if (name == "h2") h2 = in + i + 1;
    i += 1 + len;
  }
  if (h2 == nullptr) return SSL_TLSEXT_ERR_NOACK;
  *out = h2;
  *out_len = 2;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

Server::Server(asio::io_context& io, Limits limits, Handler handler, ResponseObserver observer)
    : io_(io),
      limits_(limits),
      handler_(std::move(handler)),
      observer_(std::move(observer)),
      connections_(std::make_shared<std::atomic<size_t>>(0)),
      tls_refusals_(std::make_unique<TlsRefusals>()) {
  const size_t cap = connection_cap(limits_.connections_max);
  if (cap < limits_.connections_max) {
    spdlog::info("http: at most {} client connections (file descriptor limit)", cap);
    limits_.connections_max = cap;
  }
}

Server::~Server() {
  stop();
}

Result<uint16_t> Server::listen(const std::string& host, uint16_t port,
                                std::shared_ptr<asio::ssl::context> tls) {
  const std::string where = "listen tcp " + host + ":" + std::to_string(port);
  if (tls && http2_handoff_) {
    SSL_CTX_set_alpn_select_cb(tls->native_handle(), select_alpn, nullptr);
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return Error{where + ": not an IP address"};
  auto listener = std::make_shared<Listener>(io_, std::move(tls));
  tcp::endpoint endpoint(address, port);
  auto& acceptor = listener->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); ec) return Error{where + ": " + ec.message()};
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec); ec) return Error{where + ": " + ec.message()};
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return Error{where + ": " + ec.message()};
  }
  const uint16_t bound = acceptor.local_endpoint().port();
  {
    std::lock_guard lock(mutex_);
    listeners_.push_back(listener);
  }
  accept(listener);
  return bound;
}

void Server::accept(std::shared_ptr<Listener> listener) {
  listener->acceptor.async_accept(
      asio::make_strand(io_), [this, listener](boost::system::error_code ec, tcp::socket socket) {
        on_accept(listener, ec, std::move(socket));
      });
}

void Server::on_accept(std::shared_ptr<Listener> listener, boost::system::error_code ec,
                       tcp::socket socket) {
  if (ec == asio::error::operation_aborted) return;
  if (ec) {
    // Typically EMFILE: retrying at once would spin. The first failure is a warning.
    const auto level = listener->accept_failure_logged ? spdlog::level::debug : spdlog::level::warn;
    listener->accept_failure_logged = true;
    spdlog::log(level, "http: accept failed: {}", ec.message());
    listener->backoff.expires_after(std::chrono::milliseconds(100));
    listener->backoff.async_wait([this, listener](boost::system::error_code wait_ec) {
      if (wait_ec) return;  // stopped
      std::lock_guard lock(mutex_);
      if (!stopped_) accept(listener);
    });
    return;
  } else if (connections_->load() >= limits_.connections_max) {
    // Over the limit: refuse politely instead of letting the backlog grow without bound
    // (a TLS client could not read a plain answer: it is just closed).
    static constexpr std::string_view kBusy =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
        "Content-Length: 40\r\nConnection: close\r\n\r\n"
        "{\"message\":\"too many open connections\"}\n";
    boost::system::error_code ignored;
    if (!listener->tls) asio::write(socket, asio::buffer(kBusy), ignored);
  } else if (http2_handoff_ && !listener->tls) {
    sniff(listener, std::move(socket));
  } else {
    start_session(listener, std::move(socket));
  }
  std::lock_guard lock(mutex_);
  if (!stopped_) accept(listener);
}

void Server::start_session(const std::shared_ptr<Listener>& listener, tcp::socket socket) {
  auto token = std::make_shared<ConnectionToken>(connections_);
  auto handler = [h = handler_, token](std::shared_ptr<Exchange> e) { h(std::move(e)); };
  auto session =
      std::make_shared<Session>(std::move(socket), listener->tls, limits_, std::move(handler),
                                &observer_, tls_refusals_.get(), http2_handoff_);
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
    sessions_.push_back(session);
  }
  session->start();
}

// A connection whose first bytes are not known yet. Its timers share the socket's strand.
struct Server::Sniffer {
  explicit Sniffer(tcp::socket s)
      : socket(std::move(s)), deadline(socket.get_executor()), retry(socket.get_executor()) {}
  tcp::socket socket;
  asio::steady_timer deadline;  // a client that never speaks is closed, as an idle HTTP one
  asio::steady_timer retry;     // fewer bytes than it takes to decide arrived
};

void Server::sniff(std::shared_ptr<Listener> listener, tcp::socket socket) {
  auto sniffer = std::make_shared<Sniffer>(std::move(socket));
  sniffer->deadline.expires_after(std::chrono::milliseconds(limits_.request_timeout_ms));
  sniffer->deadline.async_wait([sniffer](boost::system::error_code ec) {
    if (ec) return;
    boost::system::error_code ignored;
    sniffer->retry.cancel();
    sniffer->socket.close(ignored);
  });
  peek(std::move(listener), std::move(sniffer));
}

void Server::peek(std::shared_ptr<Listener> listener, std::shared_ptr<Sniffer> sniffer) {
  sniffer->socket.async_wait(
      tcp::socket::wait_read, [this, listener, sniffer](boost::system::error_code ec) {
        if (ec) return;  // closed at the deadline
        char bytes[kHttp2Start.size()];
        boost::system::error_code peek_ec;
        const size_t n =
            sniffer->socket.receive(asio::buffer(bytes), tcp::socket::message_peek, peek_ec);
        if (peek_ec || n == 0) {  // the client left before saying anything
          sniffer->deadline.cancel();
          return;
        }
        const std::string_view got(bytes, n);
        if (n < kHttp2Start.size() && kHttp2Start.starts_with(got)) {
          // Undecided: readable again at once, so wait a moment instead of spinning.
          sniffer->retry.expires_after(std::chrono::milliseconds(5));
          sniffer->retry.async_wait([this, listener, sniffer](boost::system::error_code wait_ec) {
            if (!wait_ec) peek(listener, sniffer);
          });
          return;
        }
        sniffer->deadline.cancel();
        {
          std::lock_guard lock(mutex_);
          if (stopped_) return;
        }
        if (got == kHttp2Start) {
          boost::system::error_code release_ec;
          const int fd = sniffer->socket.release(release_ec);
          if (release_ec) {
            spdlog::warn("http: handing over an HTTP/2 connection: {}", release_ec.message());
            return;
          }
          http2_handoff_(fd);
        } else {
          start_session(listener, std::move(sniffer->socket));
        }
      });
}

void Server::stop() {
  std::vector<std::shared_ptr<Listener>> listeners;
  std::vector<std::weak_ptr<Session>> sessions;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    listeners.swap(listeners_);
    sessions.swap(sessions_);
  }
  for (auto& l : listeners) {
    asio::post(l->acceptor.get_executor(), [l] {
      boost::system::error_code ignored;
      l->acceptor.close(ignored);
      l->backoff.cancel();
    });
  }
  for (auto& w : sessions) {
    if (auto s = w.lock()) s->close();
  }
}

}  // namespace etcd::http
