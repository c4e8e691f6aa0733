#include "etcd/http/session.h"

#include <chrono>
#include <cstdio>
#include <iterator>

#include <spdlog/spdlog.h>
#include <boost/beast/core/detect_ssl.hpp>

#include "etcd/http/http2_splice.h"

namespace etcd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {

// What Go's net/http answers to plain HTTP on a TLS port; clients show it verbatim.
constexpr std::string_view kPlainHttpOnTlsPort =
    "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
    "Client sent an HTTP request to an HTTPS server.\n";

using Stream = std::variant<tcp::socket, Session::TlsSocket>;

Stream make_stream(tcp::socket socket, asio::ssl::context* tls) {
  if (tls == nullptr) return Stream(std::in_place_type<tcp::socket>, std::move(socket));
  return Stream(std::in_place_type<Session::TlsSocket>, std::move(socket), *tls);
}

// Method, two spaces and "HTTP/1.1" around the target in a request line (and some room).
constexpr size_t kRequestLineSlack = 64;

// {"message":"..."} for a refusal; the messages are ours or Beast's, escaped anyway.
std::string message_body(std::string_view message) {
  std::string out = "{\"message\":\"";
  for (const char c : message) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  out += "\"}\n";
  return out;
}

// The refusals for a limit, with the limit in the message.
std::pair<int, std::string> uri_too_long(const Limits& limits) {
  return {414, "request URI too long (limit " + std::to_string(limits.url_bytes_max) + " bytes)"};
}
std::pair<int, std::string> headers_too_large(const Limits& limits) {
  return {431, "request headers too large (limit " + std::to_string(limits.header_bytes_max) +
                   " bytes)"};
}
std::pair<int, std::string> body_too_large(const Limits& limits) {
  return {413,
          "request body too large (limit " + std::to_string(limits.body_bytes_max) + " bytes)"};
}

// The first refusal of a kind is a warning, later ones debug lines.
template <typename... Args>
void log_refusal(std::atomic<bool>& logged, spdlog::format_string_t<Args...> format,
                 Args&&... args) {
  const auto level = logged.exchange(true) ? spdlog::level::debug : spdlog::level::warn;
  spdlog::log(level, format, std::forward<Args>(args)...);
}

}  // namespace

Session::Session(tcp::socket socket, std::shared_ptr<asio::ssl::context> tls, const Limits& limits,
                 Handler handler, const ResponseObserver* observer, TlsRefusals* refusals,
                 std::function<void(int fd)> http2)
    : tls_(std::move(tls)),
      stream_(make_stream(std::move(socket), tls_.get())),
      refusals_(refusals),
      http2_(tls_ ? std::move(http2) : nullptr),
      timer_(this->socket().get_executor()),
      limits_(limits),
      handler_(std::move(handler)),
      observer_(observer) {}

tcp::socket& Session::socket() {
  if (auto* tls = std::get_if<TlsSocket>(&stream_)) return tls->next_layer();
  return std::get<tcp::socket>(stream_);
}

void Session::start() {
  boost::system::error_code ec;
  auto endpoint = socket().remote_endpoint(ec);
  if (!ec) remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  socket().set_option(asio::ip::tcp::no_delay(true), ec);
  if (tls_) return start_tls();
  arm_timer();
  read_more();
}

// Sniffs the first bytes: a TLS ClientHello is handshaken, anything else (plain HTTP to an
// https URL) gets Go's 400 answer instead of an obscure handshake error on both sides.
void Session::start_tls() {
  timer_.expires_after(std::chrono::milliseconds(limits_.request_timeout_ms));
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec && !self->closed_ && !self->handshaken_) self->on_closed();  // too slow
  });
  beast::async_detect_ssl(socket(), buffer_,
                          [self = shared_from_this()](boost::system::error_code ec, bool is_tls) {
                            self->on_detected(ec, is_tls);
                          });
}

void Session::on_detected(boost::system::error_code ec, bool is_tls) {
  if (ec || closed_) return on_closed();
  if (!is_tls) return refuse_plain_http();
  std::get<TlsSocket>(stream_).async_handshake(
      asio::ssl::stream_base::server, buffer_.data(),
      [self = shared_from_this()](boost::system::error_code ec, size_t used) {
        self->on_handshake(ec, used);
      });
}

void Session::on_handshake(boost::system::error_code ec, size_t used) {
  if (closed_) return;
  if (ec) {
    log_refusal(refusals_->handshake_logged, "http: TLS handshake with {} failed: {}", remote_,
                ec.message());
    return on_closed();
  }
  buffer_.consume(used);
  handshaken_ = true;
  arm_timer();  // replaces the handshake timeout
  read_more();
}

void Session::refuse_plain_http() {
  log_refusal(refusals_->plain_http_logged,
              "http: plain HTTP from {} on a TLS client port: refused", remote_);
  close_after_write_ = true;
  asio::async_write(socket(), asio::buffer(kPlainHttpOnTlsPort),
                    [self = shared_from_this()](boost::system::error_code, size_t) {
                      boost::system::error_code ignored;
                      self->socket().shutdown(tcp::socket::shutdown_send, ignored);
                      self->on_closed();
                    });
}

void Session::close() {
  asio::post(socket().get_executor(), [self = shared_from_this()] { self->on_closed(); });
}

void Session::read_more() {
  if (closed_ || reading_) return;
  if (!lingering_) {
    if (close_after_write_) return;
    // Backpressure: stop reading pipelined requests once enough is buffered while a
    // request is answered or the client has not taken its earlier responses.
    const bool waiting = current_ || unwritten_bytes_ >= limits_.unwritten_bytes_max;
    if (waiting && buffer_.size() >= limits_.pipelined_bytes_max) return;
  }
  reading_ = true;
  std::visit(
      [this](auto& stream) {
        stream.async_read_some(asio::buffer(read_chunk_),
                               [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                                 self->on_read(ec, n);
                               });
      },
      stream_);
}

void Session::on_read(boost::system::error_code ec, size_t n) {
  reading_ = false;
  if (ec) {
    on_closed();
    return;
  }
  if (lingering_) return read_more();  // a refused client's remaining bytes: discarded
  const size_t copied = asio::buffer_copy(buffer_.prepare(n), asio::buffer(read_chunk_, n));
  buffer_.commit(copied);
  if (hand_over_http2()) return;
  parse_buffered();
  read_more();
}

// A plain port tells HTTP/2 from HTTP/1.1 before a session starts (Server::sniff); a TLS
// port only once the first bytes are decrypted, here. The splice owns the connection from
// then on.
bool Session::hand_over_http2() {
  if (!http2_ || received_request_ || buffer_.size() < kHttp2Start.size()) return false;
  const std::string_view got(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  if (!got.starts_with(kHttp2Start)) return false;
  closed_ = true;
  timer_.cancel();
  std::string already_read(got);
  buffer_.consume(buffer_.size());
  auto started =
      Http2Splice::start(std::move(std::get<TlsSocket>(stream_)), std::move(already_read), http2_);
  if (!started) {
    spdlog::warn("http: handing over an HTTP/2 connection from {}: {}", remote_,
                 started.error().message);
  }
  return true;
}

void Session::parse_buffered() {
  // A client that does not take its responses gets no new ones: pipelined requests wait.
  while (!current_ && !closed_ && !close_after_write_ && buffer_.size() > 0 &&
         unwritten_bytes_ < limits_.unwritten_bytes_max) {
    if (!parser_) {
      parser_.emplace();
      parser_->header_limit(static_cast<uint32_t>(limits_.header_bytes_max));
      parser_->body_limit(limits_.body_bytes_max);
      parser_->eager(true);
      header_checked_ = false;
      parsed_bytes_ = 0;
      arm_timer();
    }
    if (!parser_->is_header_done()) {
      if (auto refusal = check_partial_header()) return reject(*refusal);
    }
    beast::error_code ec;
    const size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    parsed_bytes_ += used;
    if (ec && ec != bhttp::error::need_more) {
      if (ec == bhttp::error::body_limit) {
        return reject(body_too_large(limits_));
      }
      if (ec == bhttp::error::header_limit) {
        return reject(headers_too_large(limits_));
      }
      return reject(400, "malformed HTTP request: " + ec.message());
    }
    if (parser_->is_header_done() && !header_checked_) {
      header_checked_ = true;
      if (auto refusal = check_header()) return reject(*refusal);
      // curl waits a second for this before sending a body; answer at once.
      if (!parser_->is_done() &&
          beast::iequals(parser_->get()[bhttp::field::expect], "100-continue")) {
        enqueue("HTTP/1.1 100 Continue\r\n\r\n");
      }
    }
    if (ec == bhttp::error::need_more && used == 0) return;
    if (parser_->is_done()) dispatch();
  }
}

// While a header is incomplete, Beast may already have taken the request line (then the
// target is known) and some fields, and it does not count those against its header limit:
// both limits are applied here as bytes arrive, so an over-long target is refused before
// the header limit would answer 431 for it.
std::optional<std::pair<int, std::string>> Session::check_partial_header() const {
  const bool too_long = parsed_bytes_ == 0 ? request_line_too_long()
                                           : parser_->get().target().size() > limits_.url_bytes_max;
  if (too_long) return uri_too_long(limits_);
  // The buffer may also hold the body and pipelined requests: count up to the header's end.
  const auto data = buffer_.data();
  const std::string_view bytes(static_cast<const char*>(data.data()), data.size());
  size_t header_bytes = bytes.size();
  if (parsed_bytes_ > 0 && bytes.starts_with("\r\n")) {
    header_bytes = 2;
  } else if (const auto end = bytes.substr(0, limits_.header_bytes_max + 4).find("\r\n\r\n");
             end != std::string_view::npos) {
    header_bytes = end + 4;
  }
  if (parsed_bytes_ + header_bytes > limits_.header_bytes_max) return headers_too_large(limits_);
  return std::nullopt;
}

// The request line at the front of buffer_, before Beast took any of it.
bool Session::request_line_too_long() const {
  const auto data = buffer_.data();
  const std::string_view bytes(static_cast<const char*>(data.data()), data.size());
  const size_t window = limits_.url_bytes_max + kRequestLineSlack;
  const auto eol = bytes.substr(0, window).find('\n');
  if (eol == std::string_view::npos) return bytes.size() >= window;
  const std::string_view line = bytes.substr(0, eol);  // METHOD SP target SP version
  const auto first = line.find(' ');
  const auto last = line.rfind(' ');
  if (first == std::string_view::npos || last <= first) return false;  // Beast says 400
  return last - first - 1 > limits_.url_bytes_max;
}

// The limits Beast does not apply itself, once per request when its header is complete.
std::optional<std::pair<int, std::string>> Session::check_header() {
  const auto& header = parser_->get();
  if (header.target().size() > limits_.url_bytes_max) return uri_too_long(limits_);
  size_t fields = 0;
  size_t bytes = header.method_string().size() + header.target().size() + 12;
  for (const auto& field : header) {
    ++fields;
    bytes += field.name_string().size() + field.value().size() + 4;
  }
  if (fields > limits_.header_count_max) {
    return std::pair{
        431, "too many header fields (limit " + std::to_string(limits_.header_count_max) + ")"};
  }
  if (bytes > limits_.header_bytes_max) return headers_too_large(limits_);
  // RFC 9112 §3.2: an HTTP/1.1 request carries exactly one Host; Go (so etcd) answers 400.
  const auto hosts = header.equal_range(bhttp::field::host);
  const auto host_count = std::distance(hosts.first, hosts.second);
  if (host_count == 0 && header.version() >= 11) {
    return std::pair{400, std::string("missing required Host header")};
  }
  if (host_count > 1) return std::pair{400, std::string("too many Host headers")};
  // Beast reads a body only for "chunked" and takes any other coding as "no body": the
  // bytes that follow would then be read as the next request (request smuggling). Go
  // answers 501; a 400 says the same to a client.
  const auto codings = header.equal_range(bhttp::field::transfer_encoding);
  for (auto te = codings.first; te != codings.second; ++te) {
    beast::string_view v = te->value();
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
      v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
      v.remove_suffix(1);
    if (!beast::iequals(v, "chunked")) {
      return std::pair{400, "unsupported Transfer-Encoding (only chunked is)"};
    }
  }
  return std::nullopt;
}

void Session::dispatch() {
  auto req = parser_->release();
  parser_.reset();
  Request request;
  request.method = std::string(req.method_string());
  request.target = std::string(req.target());
  request.keep_alive = req.keep_alive();
  request.remote_address = remote_;
  request.headers.reserve(8);
  for (const auto& field : req) {
    request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  request.body = std::move(req.body());
  current_keep_alive_ = request.keep_alive;
  received_request_ = true;
  current_ = std::make_shared<Exchange>(std::move(request), weak_from_this(), observer_);
  timer_.cancel();  // no timeout while the handler works (watches may wait for hours)
  handler_(current_);
}

void Session::post_complete(Exchange* exchange, std::string bytes, bool finished) {
  asio::post(socket().get_executor(), [self = shared_from_this(), exchange,
                                       bytes = std::move(bytes), finished]() mutable {
    if (self->closed_ || self->current_.get() != exchange) return;
    self->enqueue(std::move(bytes));
    if (!finished) {
      // A streamed response (watch) whose client does not read would pile up here.
      if (self->unwritten_bytes_ > self->limits_.unwritten_bytes_max) {
        spdlog::debug("http: {} does not read its streamed response: closed", self->remote_);
        self->on_closed();
      }
      return;
    }
    self->current_.reset();
    if (!self->current_keep_alive_) {
      self->close_after_write_ = true;
      return;
    }
    self->arm_timer();
    self->parse_buffered();
    self->read_more();
  });
}

void Session::reject(int status, std::string_view message) {
  spdlog::debug("http: refused a request from {}: {} {}", remote_, status, message);
  Response r{.status = status};
  r.set("Content-Type", "application/json");
  r.body = message_body(message);
  parser_.reset();
  enqueue(serialize(r, false));
  close_after_write_ = true;
}

// After the last answer on a connection (a refusal, Connection: close) the client may still
// be sending (a body over the limit, a pipelined request): closing with unread bytes would
// reset the connection and the client might lose the answer. So the send side is shut and
// the rest is read and dropped, until the client closes or linger_ms passes.
void Session::linger() {
  lingering_ = true;
  timer_.expires_after(std::chrono::milliseconds(limits_.linger_ms));
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->on_closed();
  });
  buffer_.clear();
  read_more();
}

void Session::enqueue(std::string bytes) {
  unwritten_bytes_ += bytes.size();
  write_queue_.push_back(std::move(bytes));
  if (!writing_) write_next();
}

void Session::write_next() {
  if (closed_) return;
  if (write_queue_.empty()) {
    writing_ = false;
    if (close_after_write_) {
      boost::system::error_code ignored;
      // No TLS close_notify: every response is delimited, and waiting for the peer's
      // close_notify could hold the connection.
      socket().shutdown(tcp::socket::shutdown_send, ignored);
      return linger();
    }
    return;
  }
  writing_ = true;
  // Everything queued goes out in one write: fewer syscalls under load.
  auto out = std::make_shared<std::string>(std::move(write_queue_.front()));
  write_queue_.pop_front();
  while (!write_queue_.empty()) {
    *out += write_queue_.front();
    write_queue_.pop_front();
  }
  std::visit(
      [this, out](auto& stream) {
        asio::async_write(stream, asio::buffer(*out),
                          [self = shared_from_this(), out](boost::system::error_code ec, size_t) {
                            if (ec) return self->on_closed();
                            self->unwritten_bytes_ -= out->size();
                            self->write_next();
                            // Requests held back while the client was not reading.
                            self->parse_buffered();
                            self->read_more();
                          });
      },
      stream_);
}

void Session::arm_timer() {
  if (closed_ || current_ || lingering_) return;
  const bool mid_request = parser_.has_value() || buffer_.size() > 0;
  // A new connection must send its first request promptly; only a connection that was
  // used may idle (keep-alive).
  const bool prompt = mid_request || !received_request_;
  const int64_t ms = prompt ? limits_.request_timeout_ms : limits_.idle_timeout_ms;
  timer_.expires_after(std::chrono::milliseconds(ms));
  timer_.async_wait([self = shared_from_this(), mid_request](boost::system::error_code ec) {
    if (ec || self->closed_ || self->current_ || self->close_after_write_) return;
    if (mid_request) {
      return self->reject(408, "request timed out (not complete within " +
                                   std::to_string(self->limits_.request_timeout_ms) + " ms)");
    }
    self->on_closed();
  });
}

void Session::on_closed() {
  if (closed_) return;
  closed_ = true;
  timer_.cancel();
  boost::system::error_code ignored;
  socket().close(ignored);
  if (current_) {
    current_->abort();
    current_.reset();
  }
}

}  // namespace etcd::http
