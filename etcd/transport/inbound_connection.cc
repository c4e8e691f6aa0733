#include "etcd/transport/inbound_connection.h"

#include <limits>

#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "etcd/transport/dial.h"
#include "etcd/transport/wire.h"

namespace etcd::transport {
namespace {

constexpr uint32_t kHeaderBytesMax = 16 << 10;

// What Go's net/http answers to plain HTTP on a TLS port; clients show it verbatim.
constexpr std::string_view kPlainHttpOnTlsPort =
    "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
    "Client sent an HTTP request to an HTTPS server.\n";

std::string remote_of(const tcp::socket& socket) {
  error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

std::string_view header_value(const HeaderParser& header, std::string_view name) {
  const auto& fields = header.get();
  const auto it = fields.find(to_beast(name));
  return it == fields.end() ? std::string_view() : to_std(it->value());
}

PeerHttpResponse text_response(unsigned status, std::string body) {
  return PeerHttpResponse{.status = status, .content_type = "text/plain", .body = body + "\n"};
}

}  // namespace

template <typename Stream>
awaitable<error_code> write_response(Stream& stream, const PeerHttpResponse& response,
                                     bool keep_alive, std::chrono::milliseconds timeout) {
  http::response<http::string_body> message{static_cast<http::status>(response.status), 11};
  message.set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers)
    message.set(name, value);
  message.body() = response.body;
  message.keep_alive(keep_alive);
  message.prepare_payload();
  error_code ec;
  beast::get_lowest_layer(stream).expires_after(timeout);
  co_await http::async_write(stream, message, with_ec(ec));
  co_return ec;
}

template awaitable<error_code> write_response(PlainStream&, const PeerHttpResponse&, bool,
                                              std::chrono::milliseconds);
template awaitable<error_code> write_response(TlsStream&, const PeerHttpResponse&, bool,
                                              std::chrono::milliseconds);

void InboundConnection::start(std::shared_ptr<TransportCore> core, tcp::socket socket, bool tls) {
  auto executor = socket.get_executor();
  auto connection =
      std::make_shared<InboundConnection>(std::move(core), executor, remote_of(socket));
  spawn(executor, connection->run(connection, std::move(socket), tls), "inbound connection");
}

InboundConnection::InboundConnection(std::shared_ptr<TransportCore> core,
                                     asio::any_io_executor executor, std::string remote)
    : core_(std::move(core)), executor_(std::move(executor)), remote_(std::move(remote)) {}

awaitable<void> InboundConnection::run(std::shared_ptr<InboundConnection> self, tcp::socket socket,
                                       bool tls) {
  const uint64_t ticket = core_->track([weak = std::weak_ptr<InboundConnection>(self)] {
    if (auto connection = weak.lock()) {
      asio::post(connection->executor_, [connection] {
        if (connection->close_) connection->close_();
      });
    }
  });
  if (ticket == 0) co_return;
  PlainStream plain(std::move(socket));
  close_ = [&plain] { plain.close(); };
  beast::flat_buffer buffer;
  if (tls) {
    co_await serve_tls(plain, buffer);
  } else {
    co_await serve(plain, buffer);
  }
  core_->untrack(ticket);
  close_ = nullptr;
}

awaitable<void> InboundConnection::serve_tls(PlainStream& plain, beast::flat_buffer& buffer) {
  const auto timeout = core_->options().io_timeout;
  error_code ec;
  plain.expires_after(timeout);
  const bool is_tls = co_await beast::async_detect_ssl(plain, buffer, with_ec(ec));
  if (ec) co_return;
  if (!is_tls) {
    StatsCounters::add(core_->counters().inbound_refused);
    spdlog::warn("peer transport: plain HTTP from {} on a TLS peer port: refused", remote_);
    co_await asio::async_write(plain, asio::buffer(kPlainHttpOnTlsPort), with_ec(ec));
    co_return;
  }
  TlsStream stream(std::move(plain), *core_->server_tls());
  close_ = [&stream] { beast::get_lowest_layer(stream).close(); };
  beast::get_lowest_layer(stream).expires_after(timeout);
  const size_t used =
      co_await stream.async_handshake(ssl::stream_base::server, buffer.data(), with_ec(ec));
  if (ec) {
    StatsCounters::add(core_->counters().inbound_refused);
    spdlog::warn("peer transport: TLS handshake with {} failed: {}", remote_, describe(ec));
  } else {
    buffer.consume(used);
    co_await serve(stream, buffer);
  }
  close_ = nullptr;  // `plain` was moved from; nothing else owns the socket now
}

template <typename Stream>
awaitable<void> InboundConnection::serve(Stream& stream, beast::flat_buffer& buffer) {
  bool keep_going = true;
  while (keep_going && !core_->stopped()) {
    HeaderParser header;
    header.header_limit(kHeaderBytesMax);
    // Each route checks its own limit. (Not boost::none: Beast 1.74 compares Content-Length
    // against the optional, and any length is greater than none.)
    header.body_limit(std::numeric_limits<uint64_t>::max());
    error_code ec;
    beast::get_lowest_layer(stream).expires_after(core_->options().io_timeout);
    co_await http::async_read_header(stream, buffer, header, with_ec(ec));
    if (ec) {  // closed, idle or malformed: nothing useful to answer
      if (ec != http::error::end_of_stream) {
        spdlog::debug("peer transport: request from {}: {}", remote_, describe(ec));
      }
      co_return;
    }
    keep_going = co_await route(stream, buffer, header);
  }
}

// Handles one request; true when the connection may carry another.
template <typename Stream>
awaitable<bool> InboundConnection::route(Stream& stream, beast::flat_buffer& buffer,
                                         HeaderParser& header) {
  const auto& request = header.get();
  const std::string_view target = to_std(request.target());
  const bool is_stream = target == wire::kStreamPath;
  const bool is_snapshot = target == wire::kSnapshotPath;
  if (!is_stream && !is_snapshot) co_return co_await serve_http(stream, buffer, header);
  const auto timeout = core_->options().io_timeout;
  if (is_stream && !beast::websocket::is_upgrade(request)) {
    co_await write_response(stream, text_response(400, "raft stream needs a WebSocket upgrade"),
                            false, timeout);
    co_return false;
  }
  if (is_snapshot && request.method() != http::verb::post) {
    co_await write_response(stream, text_response(405, "method not allowed"), false, timeout);
    co_return false;
  }
  auto from = admit_raft(header, is_stream ? "raft stream" : "snapshot");
  if (!from) {
    const auto status = static_cast<unsigned>(from.error().code);
    co_await write_response(stream, text_response(status, from.error().message), false, timeout);
    co_return false;
  }
  InboundContext context{core_, remote_, close_};
  if (is_stream) {
    co_await serve_raft_stream(context, stream, request, *from);
  } else {
    co_await receive_snapshot(context, stream, buffer, header, *from);
  }
  co_return false;
}

Result<NodeId> InboundConnection::admit_raft(const HeaderParser& header, std::string_view what) {
  const PeerHeaders headers{header_value(header, wire::kClusterIdHeader),
                            header_value(header, wire::kFromHeader),
                            header_value(header, wire::kToHeader)};
  auto from = admit(headers, core_->identity(),
                    [this](NodeId id) { return core_->sender_status(id); });
  if (!from) {
    StatsCounters::add(core_->counters().inbound_refused);
    spdlog::warn("peer transport: refused {} from {} (X-Server-From {}): {} {}", what, remote_,
                 headers.from.empty() ? "-" : headers.from, from.error().code,
                 from.error().message);
  }
  return from;
}

template <typename Stream>
awaitable<bool> InboundConnection::serve_http(Stream& stream, beast::flat_buffer& buffer,
                                              HeaderParser& header) {
  const Options& options = core_->options();
  // The limit is checked against Content-Length here; the parser checks chunked bodies.
  const bool too_big = header.content_length().value_or(0) > options.http_body_bytes_max;
  http::request_parser<http::string_body> parser{std::move(header)};
  parser.body_limit(options.http_body_bytes_max);
  error_code ec;
  if (!too_big) co_await http::async_read(stream, buffer, parser, with_ec(ec));
  if (too_big || ec == http::error::body_limit) {
    co_await write_response(stream, text_response(413, "request body too large"), false,
                            options.io_timeout);
    co_return false;
  }
  if (ec) co_return false;
  auto& request = parser.get();
  PeerHttpRequest peer_request{.method = std::string(to_std(request.method_string())),
                               .target = std::string(to_std(request.target())),
                               .body = std::move(request.body()),
                               .remote = remote_};
  for (const auto& field : request) {
    peer_request.headers.emplace_back(to_std(field.name_string()), to_std(field.value()));
  }
  const PeerHttpResponse response = core_->serve_http(peer_request);
  const bool keep_alive = request.keep_alive();
  ec = co_await write_response(stream, response, keep_alive, options.io_timeout);
  co_return keep_alive && !ec;
}

}  // namespace etcd::transport
