// UpstreamCall: one HTTP/1.1 request from the proxy to one member, on its own strand, with
// etcd's proxy timeouts. The response head is reported first (before it, any failure is a
// reason to try another member); the body follows as it arrives, so a watch stream is
// relayed event by event instead of being buffered until it ends. One connection per
// call ("Connection: close"): a watch holds its connection anyway, and no pool can hand
// a client a socket a dead member left half-open. http:// members only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "etcd/common/asio.h"
#include "etcd/common/result.h"
#include "etcd/http/message.h"

namespace etcd::proxy {

// 0 = no limit (etcd's --proxy-*-timeout semantics).
struct Timeouts {
  std::chrono::milliseconds dial{1000};
  std::chrono::milliseconds write{5000};
  std::chrono::milliseconds read{0};  // per read: an idle watch is cut only if this is set
};

struct UpstreamRequest {
  std::string method;
  std::string target;
  std::vector<http::Header> headers;
  std::string body;
};

struct UpstreamHead {
  int status = 0;
  std::vector<http::Header> headers;
  // The body length is known (Content-Length, or none by the rules for HEAD/204/304):
  // the caller may buffer it. Otherwise it is a stream that ends when the member ends it.
  bool sized = false;
};

struct UpstreamCallbacks {
  // Exactly one of on_fail (no head: dial, write or head read failed) or on_head + on_end.
  std::function<void(const Error&)> on_fail;
  std::function<void(UpstreamHead)> on_head;
  std::function<void(std::string)> on_data;
  std::function<void(std::optional<Error>)> on_end;  // nullopt: the body ended cleanly
};

class UpstreamCall {
 public:
  struct State;
  // `origin` is "http://host:port". Callbacks run on the call's strand; none runs after
  // cancel() has run there.
  static std::shared_ptr<UpstreamCall> start(boost::asio::io_context& io, const std::string& origin,
                                             UpstreamRequest request, Timeouts timeouts,
                                             UpstreamCallbacks callbacks);
  void cancel();  // from any thread

  explicit UpstreamCall(std::shared_ptr<State> state) : state_(std::move(state)) {}

 private:
  std::shared_ptr<State> state_;
};

// A whole response, for small control-plane GETs (the member list, discovery).
struct FetchReply {
  int status = 0;
  std::string body;
};
void fetch(boost::asio::io_context& io, const std::string& url, Timeouts timeouts,
           std::function<void(Result<FetchReply>)> done);
// The same, on a private io_context, blocking the caller (startup only).
Result<FetchReply> fetch_sync(const std::string& url, Timeouts timeouts);

}  // namespace etcd::proxy
