// Session: one client connection. A single read loop feeds bytes to a Beast request parser;
// complete requests are dispatched one at a time (responses go out in request order, so
// pipelining is safe), and while a request is being answered the read loop keeps running
// so that a client hanging up is noticed at once (its Exchange is aborted, releasing e.g. a
// watcher). All state lives on the connection's strand. Internal to etcd/http.
// A TLS connection is the same Session over an ssl::stream: the stream is a variant, so
// pipelining, streaming and limits are one code path for both.
#pragma once

#include <array>
#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "etcd/common/asio.h"

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "etcd/http/exchange.h"
#include "etcd/http/limits.h"

namespace etcd::http {

// Per-server memory of TLS refusals: the first of each kind is a warning, the rest are
// debug lines (a scanner or a misconfigured client would otherwise flood the log).
struct TlsRefusals {
  std::atomic<bool> handshake_logged{false};
  std::atomic<bool> plain_http_logged{false};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  using TlsSocket = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

  // `tls` null: plain HTTP. Otherwise the connection must start with a TLS handshake, and
  // if `http2` is set, a client that then opens with the HTTP/2 preface is spliced to it
  // (Http2Splice): gRPC over TLS.
  Session(boost::asio::ip::tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> tls,
          const Limits& limits, Handler handler, const ResponseObserver* observer,
          TlsRefusals* refusals, std::function<void(int fd)> http2 = {});

  void start();
  void close();  // from any thread

  // Called by Exchange (posted onto the strand).
  void post_complete(Exchange* exchange, std::string bytes, bool finished);

 private:
  boost::asio::ip::tcp::socket& socket();
  void start_tls();
  void on_detected(boost::system::error_code ec, bool is_tls);
  void on_handshake(boost::system::error_code ec, size_t used);
  void refuse_plain_http();
  bool hand_over_http2();
  void read_more();
  void on_read(boost::system::error_code ec, size_t n);
  void parse_buffered();
  void dispatch();
  std::optional<std::pair<int, std::string>> check_partial_header() const;
  bool request_line_too_long() const;
  std::optional<std::pair<int, std::string>> check_header();
  void reject(int status, std::string_view message);
  void reject(const std::pair<int, std::string>& refusal) { reject(refusal.first, refusal.second); }
  void linger();
  void enqueue(std::string bytes);
  void write_next();
  void arm_timer();
  void on_closed();

  std::shared_ptr<boost::asio::ssl::context> tls_;  // keeps the context alive for stream_
  std::variant<boost::asio::ip::tcp::socket, TlsSocket> stream_;
  TlsRefusals* refusals_;
  std::function<void(int fd)> http2_;
  boost::asio::steady_timer timer_;
  const Limits& limits_;
  Handler handler_;
  const ResponseObserver* observer_;
  // Parsing consumes from buffer_ while a read may be outstanding, so reads land in
  // read_chunk_ and are appended on completion (never read into buffer_ directly).
  boost::beast::flat_buffer buffer_;
  std::array<char, 16 * 1024> read_chunk_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<Exchange> current_;
  bool current_keep_alive_ = true;
  bool header_checked_ = false;    // the limits on the current request's header were applied
  size_t parsed_bytes_ = 0;        // of the current request, taken by the parser
  bool received_request_ = false;  // a first request arrived (until then: request timeout)
  std::deque<std::string> write_queue_;
  size_t unwritten_bytes_ = 0;  // queued or being written
  bool writing_ = false;
  bool reading_ = false;
  bool close_after_write_ = false;
  bool lingering_ = false;  // answered for the last time: reading and discarding (linger())
  bool closed_ = false;
  bool handshaken_ = false;  // TLS: the handshake timeout no longer applies
  std::string remote_;
};

}  // namespace etcd::http
