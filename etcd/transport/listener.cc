#include "etcd/transport/listener.h"

#include <algorithm>
#include <cctype>

#include "etcd/transport/inbound_connection.h"

namespace etcd::transport {
namespace {

Error listen_error(const PeerUrl& url, const error_code& ec) {
  std::string reason = ec.message();
  std::transform(reason.begin(), reason.end(), reason.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return Error{"listen tcp " + url.authority() + ": " + reason};
}

Result<tcp::endpoint> local_endpoint(asio::io_context& io, const PeerUrl& url) {
  error_code ec;
  const auto address = asio::ip::make_address(url.host, ec);
  if (!ec) return tcp::endpoint(address, url.port);
  tcp::resolver resolver(io);
  const auto results = resolver.resolve(url.host, std::to_string(url.port), ec);
  if (ec || results.empty()) return listen_error(url, ec ? ec : asio::error::host_not_found);
  return results.begin()->endpoint();
}

}  // namespace

Result<std::shared_ptr<Listener>> Listener::open(std::shared_ptr<TransportCore> core,
                                                 const PeerUrl& url) {
  if (url.tls && core->server_tls() == nullptr) {
    return Error{"listen " + url.raw + ": https needs --peer-cert-file and --peer-key-file"};
  }
  auto endpoint = local_endpoint(core->io(), url);
  if (!endpoint) return endpoint.error();
  tcp::acceptor acceptor(core->io());
  error_code ec;
  acceptor.open(endpoint->protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return listen_error(url, ec);
  PeerUrl bound = url;
  bound.port = acceptor.local_endpoint().port();
  bound.raw = std::string(url.tls ? "https://" : "http://") + bound.authority();
  return std::make_shared<Listener>(std::move(core), std::move(bound), std::move(acceptor));
}

Listener::Listener(std::shared_ptr<TransportCore> core, PeerUrl url, tcp::acceptor acceptor)
    : core_(std::move(core)),
      url_(std::move(url)),
      acceptor_(std::move(acceptor)),
      pause_(core_->io()) {}

void Listener::start() {
  spdlog::info("peer transport: listening on {}", url_.raw);
  accept_next();
}

void Listener::close() {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  closed_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  pause_.cancel();
}

void Listener::accept_next() {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  acceptor_.async_accept(asio::make_strand(core_->io()),
                         [self = shared_from_this()](const error_code& ec, tcp::socket socket) {
                           self->on_accept(ec, std::move(socket));
                         });
}

void Listener::on_accept(const error_code& ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted) return;
  if (ec) {
    spdlog::warn("peer transport: accept on {} failed: {}", url_.raw, ec.message());
    std::lock_guard lock(mutex_);
    if (closed_) return;
    pause_.expires_after(std::chrono::milliseconds(100));
    pause_.async_wait([self = shared_from_this()](const error_code& wait_ec) {
      if (!wait_ec) self->accept_next();
    });
    return;
  }
  InboundConnection::start(core_, std::move(socket), url_.tls);
  accept_next();
}

}  // namespace etcd::transport
