#include "etcd/http/server.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "etcd/http/session.h"

namespace etcd::http {

namespace asio = boost::asio;
using asio::ip::tcp;

struct Server::Listener {
  Listener(asio::io_context& io, std::shared_ptr<asio::ssl::context> tls_context)
      : acceptor(asio::make_strand(io)), tls(std::move(tls_context)) {}
  tcp::acceptor acceptor;
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

}  // namespace

Server::Server(asio::io_context& io, Limits limits, Handler handler, ResponseObserver observer)
    : io_(io),
      limits_(limits),
      handler_(std::move(handler)),
      observer_(std::move(observer)),
      connections_(std::make_shared<std::atomic<size_t>>(0)),
      tls_refusals_(std::make_unique<TlsRefusals>()) {}

Server::~Server() { stop(); }

Result<uint16_t> Server::listen(const std::string& host, uint16_t port,
                               std::shared_ptr<asio::ssl::context> tls) {
  const std::string where = "listen tcp " + host + ":" + std::to_string(port);
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
    spdlog::warn("http: accept failed: {}", ec.message());
  } else if (connections_->load() >= limits_.connections_max) {
    // Over the limit: refuse politely instead of letting the backlog grow without bound
    // (a TLS client could not read a plain answer: it is just closed).
    static constexpr std::string_view kBusy =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    boost::system::error_code ignored;
    if (!listener->tls) asio::write(socket, asio::buffer(kBusy), ignored);
  } else {
    auto token = std::make_shared<ConnectionToken>(connections_);
    auto handler = [h = handler_, token](std::shared_ptr<Exchange> e) { h(std::move(e)); };
    auto session = std::make_shared<Session>(std::move(socket), listener->tls, limits_,
                                             std::move(handler), &observer_, tls_refusals_.get());
    {
      std::lock_guard lock(mutex_);
      if (stopped_) return;
      std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
      sessions_.push_back(session);
    }
    session->start();
  }
  std::lock_guard lock(mutex_);
  if (!stopped_) accept(listener);
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
    });
  }
  for (auto& w : sessions) {
    if (auto s = w.lock()) s->close();
  }
}

}  // namespace etcd::http
