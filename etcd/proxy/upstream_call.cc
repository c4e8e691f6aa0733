#include "etcd/proxy/upstream_call.h"

#include <array>
#include <cstdint>
#include <limits>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "etcd/proxy/origin.h"

namespace etcd::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

struct UpstreamCall::State : std::enable_shared_from_this<State> {
  State(asio::io_context& io, Origin origin, Timeouts t, UpstreamCallbacks c)
      : stream(asio::make_strand(io)),
        resolver(stream.get_executor()),
        origin(std::move(origin)),
        timeouts(t),
        cb(std::move(c)) {}

  beast::tcp_stream stream;
  tcp::resolver resolver;
  Origin origin;
  Timeouts timeouts;
  UpstreamCallbacks cb;
  bhttp::request<bhttp::string_body> req;
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::buffer_body> parser;
  std::array<char, 16 * 1024> chunk;
  bool finished = false;  // a final callback ran, or the call was cancelled
  bool head_seen = false;

  void expire(std::chrono::milliseconds limit) {
    if (limit.count() > 0) {
      stream.expires_after(limit);
    } else {
      stream.expires_never();
    }
  }

  // The callbacks own the caller, which owns this call: dropping them after the last one
  // breaks that cycle.
  UpstreamCallbacks release() {
    UpstreamCallbacks out = std::move(cb);
    cb = {};
    return out;
  }

  std::string where() const { return origin.host + ":" + std::to_string(origin.port); }

  void fail(const std::string& op, const beast::error_code& ec) {
    if (finished) return;
    finished = true;
    Error error{op + " " + where() + ": " + ec.message()};
    beast::error_code ignored;
    stream.socket().close(ignored);
    auto callbacks = release();
    if (head_seen) {
      callbacks.on_end(std::move(error));
    } else {
      callbacks.on_fail(error);
    }
  }

  void run() {
    resolver.async_resolve(
        origin.host, std::to_string(origin.port),
        [s = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          if (s->finished) return;
          if (ec) return s->fail("dial tcp", ec);
          s->connect(results);
        });
  }

  void connect(const tcp::resolver::results_type& results) {
    expire(timeouts.dial);
    stream.async_connect(results,
                         [s = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
                           if (s->finished) return;
                           if (ec) return s->fail("dial tcp", ec);
                           s->write();
                         });
  }

  void write() {
    expire(timeouts.write);
    bhttp::async_write(stream, req, [s = shared_from_this()](beast::error_code ec, size_t) {
      if (s->finished) return;
      if (ec) return s->fail("write tcp", ec);
      s->read_head();
    });
  }

  void read_head() {
    // Watch streams have no end. Not boost::none: Boost 1.74 compares a Content-Length
    // against an empty optional and finds every length over the "limit".
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (req.method() == bhttp::verb::head) parser.skip(true);
    expire(timeouts.read);
    bhttp::async_read_header(stream, buffer, parser,
                             [s = shared_from_this()](beast::error_code ec, size_t) {
                               if (s->finished) return;
                               if (ec) return s->fail("read tcp", ec);
                               s->on_head();
                             });
  }

  void on_head() {
    head_seen = true;
    const auto& res = parser.get();
    UpstreamHead head;
    head.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      head.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    head.sized = req.method() == bhttp::verb::head || head.status == 204 || head.status == 304 ||
                 parser.content_length().has_value() || parser.is_done();
    cb.on_head(std::move(head));
    read_body();
  }

  void read_body() {
    if (finished) return;
    if (parser.is_done()) {
      finished = true;
      return release().on_end(std::nullopt);
    }
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    expire(timeouts.read);
    bhttp::async_read_some(stream, buffer, parser,
                           [s = shared_from_this()](beast::error_code ec, size_t) {
                             if (s->finished) return;
                             if (ec == bhttp::error::need_buffer) ec = {};
                             if (ec) return s->fail("read tcp", ec);
                             const size_t got = s->chunk.size() - s->parser.get().body().size;
                             if (got > 0) s->cb.on_data(std::string(s->chunk.data(), got));
                             s->read_body();
                           });
  }
};

std::shared_ptr<UpstreamCall> UpstreamCall::start(asio::io_context& io, const std::string& origin,
                                                  UpstreamRequest request, Timeouts timeouts,
                                                  UpstreamCallbacks callbacks) {
  auto parsed = parse_origin(origin);
  auto call = std::make_shared<UpstreamCall>(nullptr);
  if (!parsed) {
    // Reported asynchronously like any other failure, so callers have one code path.
    asio::post(io, [cb = std::move(callbacks), e = parsed.error()] { cb.on_fail(e); });
    return call;
  }
  auto state = std::make_shared<State>(io, *parsed, timeouts, std::move(callbacks));
  auto& req = state->req;
  req.version(11);
  req.method_string(request.method);
  req.target(request.target);
  for (const auto& h : request.headers)
    req.insert(h.name, h.value);
  if (req.find(bhttp::field::host) == req.end()) req.set(bhttp::field::host, parsed->authority);
  req.keep_alive(false);
  req.body() = std::move(request.body);
  req.prepare_payload();
  call->state_ = state;
  asio::dispatch(state->stream.get_executor(), [state] { state->run(); });
  return call;
}

void UpstreamCall::cancel() {
  if (!state_) return;
  asio::dispatch(state_->stream.get_executor(), [s = state_] {
    s->finished = true;
    s->release();
    beast::error_code ignored;
    s->resolver.cancel();
    s->stream.socket().close(ignored);
  });
}

}  // namespace etcd::proxy
