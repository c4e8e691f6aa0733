#include "etcd/proxy/forwarder.h"

#include <mutex>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "etcd/proxy/rewrite.h"

namespace etcd::proxy {
namespace {

// One client request and its attempts at the members, in order.
class Attempt : public std::enable_shared_from_this<Attempt> {
 public:
  Attempt(boost::asio::io_context& io, Endpoints& endpoints, Timeouts timeouts,
          std::shared_ptr<http::Exchange> exchange, std::vector<std::string> targets)
      : io_(io),
        endpoints_(endpoints),
        timeouts_(timeouts),
        exchange_(std::move(exchange)),
        targets_(std::move(targets)) {
    const auto& r = exchange_->request();
    request_ = {r.method, r.target, upstream_headers(r), r.body};
  }

  void start() {
    // A client that hangs up (e.g. an agent cancelling a watch) releases the member's side.
    exchange_->on_abort([weak = weak_from_this()] {
      if (auto self = weak.lock()) self->abort();
    });
    try_next();
  }

 private:
  void abort() {
    std::lock_guard lock(mutex_);
    aborted_ = true;
    if (call_) call_->cancel();
  }

  void try_next() {
    if (next_ == targets_.size()) {
      spdlog::warn("proxy: unable to get response from {} endpoint(s)", targets_.size());
      return exchange_->respond(proxy_error(
          502, "unable to get response from " + std::to_string(targets_.size()) + " endpoint(s)"));
    }
    const std::string url = targets_[next_++];
    UpstreamCallbacks cb;
    cb.on_fail = [self = shared_from_this(), url](const Error& e) { self->on_fail(url, e); };
    cb.on_head = [self = shared_from_this()](UpstreamHead h) { self->on_head(std::move(h)); };
    cb.on_data = [self = shared_from_this()](std::string d) { self->on_data(std::move(d)); };
    cb.on_end = [self = shared_from_this(), url](std::optional<Error> e) { self->on_end(url, e); };
    std::lock_guard lock(mutex_);
    if (aborted_) return;
    call_ = UpstreamCall::start(io_, url, request_, timeouts_, std::move(cb));
  }

  void on_fail(const std::string& url, const Error& e) {
    if (exchange_->aborted()) return;
    spdlog::warn("proxy: failed to direct request to {}: {}", url, e.message);
    if (endpoints_.mark_failed(url)) spdlog::warn("proxy: marked endpoint {} unavailable", url);
    try_next();
  }

  void on_head(UpstreamHead head) {
    head_ = std::move(head);
    if (head_.sized) return;  // buffered until on_end, answered with a Content-Length
    streaming_ = true;
    http::Response response{.status = head_.status, .headers = downstream_headers(head_.headers)};
    exchange_->begin_stream(std::move(response));
  }

  void on_data(std::string data) {
    if (streaming_) return exchange_->write_chunk(std::move(data));
    body_ += data;
  }

  void on_end(const std::string& url, const std::optional<Error>& e) {
    if (e && !exchange_->aborted()) {
      spdlog::warn("proxy: response from {} broke off: {}", url, e->message);
    }
    // A broken stream ends as etcd's proxy ends it: the client sees the body end.
    if (streaming_) return exchange_->end_stream();
    if (e) return exchange_->respond(proxy_error(502, "response from " + url + " broke off"));
    http::Response response{.status = head_.status, .headers = downstream_headers(head_.headers)};
    response.body = std::move(body_);
    exchange_->respond(with_head_length(std::move(response)));
  }

  // A HEAD answer carries the member's Content-Length but no body; our serializer derives
  // Content-Length from the body and leaves the body out for HEAD, so a placeholder body
  // of that length keeps the header true.
  http::Response with_head_length(http::Response response) const {
    if (request_.method != "HEAD") return response;
    for (const auto& h : head_.headers) {
      if (!http::iequals(h.name, "Content-Length")) continue;
      try {
        response.body.assign(std::stoull(h.value), ' ');
      } catch (const std::exception&) {
      }
    }
    return response;
  }

  boost::asio::io_context& io_;
  Endpoints& endpoints_;
  const Timeouts timeouts_;
  const std::shared_ptr<http::Exchange> exchange_;
  const std::vector<std::string> targets_;
  UpstreamRequest request_;
  size_t next_ = 0;
  std::mutex mutex_;  // call_ and aborted_: abort() comes from the client's strand
  std::shared_ptr<UpstreamCall> call_;
  bool aborted_ = false;
  // Touched only by the current call's callbacks, which run one at a time.
  UpstreamHead head_;
  std::string body_;
  bool streaming_ = false;
};

http::Response local_config(const http::Request& request, const Endpoints& endpoints) {
  if (request.method != "GET") {
    http::Response r{.status = 405, .body = "Method Not Allowed\n"};
    r.set("Allow", "GET");
    r.set("Content-Type", "text/plain; charset=utf-8");
    return r;
  }
  http::Response r{.status = 200,
                   .body = nlohmann::json{{"endpoints", endpoints.all()}}.dump() + "\n"};
  r.set("Content-Type", "text/plain; charset=utf-8");  // what Go sniffs for etcd's encoder
  return r;
}

}  // namespace

http::Response proxy_error(int status, const std::string& message) {
  http::Response r{.status = status,
                   .body = nlohmann::json{{"message", "httpproxy: " + message}}.dump()};
  r.set("Content-Type", "application/json");
  return r;
}

http::Handler make_forwarder(boost::asio::io_context& io, Endpoints& endpoints,
                             ForwardOptions options) {
  return [&io, &endpoints, options](std::shared_ptr<http::Exchange> exchange) {
    const auto& request = exchange->request();
    // etcd's readonly proxy answers a bare 501 (no body) to anything but GET.
    if (options.readonly && request.method != "GET") {
      return exchange->respond(http::Response{.status = 501});
    }
    if (request.path() == "/v2/config/local/proxy") {
      return exchange->respond(local_config(request, endpoints));
    }
    auto targets = endpoints.available();
    if (targets.empty()) {
      spdlog::warn("proxy: zero endpoints currently available");
      return exchange->respond(proxy_error(503, "zero endpoints currently available"));
    }
    auto attempt = std::make_shared<Attempt>(io, endpoints, options.timeouts, std::move(exchange),
                                             std::move(targets));
    attempt->start();
  };
}

}  // namespace etcd::proxy
