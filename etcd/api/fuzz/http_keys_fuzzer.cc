// libFuzzer target: arbitrary bytes as what a client writes on the client port. The bytes
// are parsed as pipelined HTTP/1.1 requests exactly as http::Session does (Beast's parser,
// etcd/http/limits.h, eager, one request after the other until an error or a partial
// request), and each request goes through the real router (api::make_router) onto a
// FakeBackend whose writes are applied at once to one in-memory v2 store per input, as the
// server's apply path does. Requests on /v2/keys are also run through parse_keys_request
// directly and checked: deterministic, a clean path, errors with index 0. After the last
// request a SYNC far in the future expires every TTL key. Must never crash; the store's
// index never decreases and a rejected write leaves it unchanged (FakeBackend::apply).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "etcd/common/asio.h"

#include <spdlog/spdlog.h>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "etcd/api/form.h"
#include "etcd/api/fuzz/fake_backend.h"
#include "etcd/api/keys_request.h"
#include "etcd/api/router.h"
#include "etcd/http/exchange.h"
#include "etcd/http/limits.h"
#include "etcd/http/message.h"
#include "etcd/store/path.h"

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using etcd::api::fuzz::check;

constexpr int kMaxRequests = 16;
constexpr int64_t kParseNowNs = 1'700'000'000'000'000'000;

// Session::dispatch: the parsed message as the handlers see it.
etcd::http::Request to_request(bhttp::request<bhttp::string_body>&& req) {
  etcd::http::Request request;
  request.method = std::string(req.method_string());
  request.target = std::string(req.target());
  request.keep_alive = req.keep_alive();
  request.remote_address = "127.0.0.1:40000";
  for (const auto& field : req) {
    request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  request.body = std::move(req.body());
  return request;
}

bool is_keys_method(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "PUT" || m == "POST" || m == "DELETE";
}

// parse_keys_request on its own, for a request the router handed to the keys handler.
void check_keys_parse(const etcd::http::Request& request) {
  auto a = etcd::api::parse_keys_request(request, kParseNowNs);
  auto b = etcd::api::parse_keys_request(request, kParseNowNs);
  check(a.ok() == b.ok());
  if (!a) {
    check(a.error() == b.error());
    check(a.error().index.value == 0);
    return;
  }
  const auto& r = a->request;
  check(r == b->request);
  check(!r.path.empty() && r.path.front() == '/');
  check(etcd::store::clean_path(r.path) == r.path);
  check(r.method != etcd::store::Method::sync);
  check(r.time_ns == kParseNowNs);
  check(r.expiration_ns == 0 || r.expiration_ns >= kParseNowNs);
  check(!a->head || r.method == etcd::store::Method::get);
  check(!a->wait || r.method == etcd::store::Method::get);
}

// The router's 301 for an unclean path (router.cc redirect_unclean).
bool router_redirects(std::string_view path) {
  auto decoded = etcd::api::percent_decode(path, false);
  if (!decoded) return false;
  std::string clean = etcd::store::clean_path(*decoded);
  if (decoded->size() > 1 && decoded->back() == '/' && clean != "/") clean += '/';
  return clean != *decoded;
}

void serve(etcd::api::fuzz::FakeBackend& backend, const etcd::http::Handler& router,
           etcd::http::Request request) {
  int status = 0;
  int answers = 0;
  const etcd::http::ResponseObserver observer = [&](const etcd::http::Request&, int s) {
    status = s;
    ++answers;
  };
  const bool keys =
      request.method != "OPTIONS" && is_keys_method(request.method) &&
      (request.path() == etcd::api::kKeysPrefix || request.path().starts_with("/v2/keys/")) &&
      !router_redirects(request.path());
  if (keys) check_keys_parse(request);
  auto exchange = std::make_shared<etcd::http::Exchange>(
      std::move(request), std::weak_ptr<etcd::http::Session>(), &observer);
  router(exchange);
  // Everything is synchronous here: each request is answered (or its stream started)
  // before the router returns, and only once.
  check(answers == 1);
  check(status >= 100 && status <= 599);
  exchange->abort();  // a watch still waiting: the client goes away
  backend.close_watches();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = (spdlog::set_level(spdlog::level::off), true);
  (void)quiet;
  auto opened = etcd::store::Store::open(":memory:");
  check(opened.ok());
  std::unique_ptr<etcd::store::Store> store = std::move(opened).value();
  etcd::api::fuzz::FakeBackend backend(*store);
  const etcd::http::Handler router = etcd::api::make_router(backend, {});
  const etcd::http::Limits limits;

  beast::flat_buffer buffer;
  {
    auto space = buffer.prepare(size);
    if (size > 0) std::memcpy(space.data(), data, size);
    buffer.commit(size);
  }
  for (int n = 0; n < kMaxRequests && buffer.size() > 0;) {
    // Session::parse_buffered, for one request.
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(limits.header_bytes_max));
    parser.body_limit(limits.body_bytes_max);
    parser.eager(true);
    bool failed = false;
    while (buffer.size() > 0 && !parser.is_done()) {
      beast::error_code ec;
      const size_t used = parser.put(buffer.data(), ec);
      check(used <= buffer.size());
      buffer.consume(used);
      if (ec && ec != bhttp::error::need_more) {
        failed = true;  // the session answers 400/413/431 and closes
        break;
      }
      if (ec == bhttp::error::need_more && used == 0) {
        failed = true;  // waits for bytes that never come
        break;
      }
    }
    if (failed || !parser.is_done()) break;
    serve(backend, router, to_request(parser.release()));
    ++n;
  }

  // The leader's TTL tick, a century later: expires every key with a sane TTL.
  etcd::store::Request sync;
  sync.method = etcd::store::Method::sync;
  sync.time_ns = kParseNowNs + int64_t{100} * 365 * 86'400 * 1'000'000'000;
  auto synced = backend.apply(sync);
  check(synced.ok());
  return 0;
}
