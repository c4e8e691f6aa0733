#include "agents/etcdclient/client.h"

#include <algorithm>
#include <chrono>

#include "agents/etcdclient/codec.h"

namespace etcd::client {
namespace {

using SteadyClock = std::chrono::steady_clock;

uint64_t elapsed_ms(SteadyClock::time_point start) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start).count());
}

// Go http.StatusText for the 5xx codes a member may answer.
std::string status_text(int status) {
  switch (status) {
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 507: return "Insufficient Storage";
    default: return "";
  }
}

Error deadline_exceeded() {
  return Error{.kind = ErrorKind::timeout, .message = "context deadline exceeded"};
}

HttpRequest get(const char* path) {
  HttpRequest r;
  r.path = path;
  return r;
}

}  // namespace

Result<std::unique_ptr<Client>> Client::create(Config config) {
  if (auto valid = config.validate(); !valid) return valid.error();
  std::vector<Endpoint> endpoints;
  for (const auto& url : config.endpoints) endpoints.push_back(parse_endpoint(url).value());
  return std::unique_ptr<Client>(new Client(std::move(config), std::move(endpoints)));
}

Client::Client(Config config, std::vector<Endpoint> endpoints)
    : config_(std::move(config)), endpoints_(std::move(endpoints)), transport_(config_) {}

Error Client::failure(std::vector<EndpointError> errors) const {
  return Error{.kind = ErrorKind::transport,
               .message = "client: etcd cluster is unavailable or misconfigured",
               .endpoint_errors = std::move(errors)};
}

Result<HttpResponse> Client::send(const HttpRequest& request) {
  const auto start = SteadyClock::now();
  const uint64_t total = config_.total_timeout_ms;
  std::vector<EndpointError> errors;
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    const size_t k = (pinned_ + i) % endpoints_.size();
    uint64_t limit = request.timeout_ms.value_or(request.wait ? 0 : config_.request_timeout_ms);
    if (total > 0) {
      const uint64_t spent = elapsed_ms(start);
      if (spent >= total) return deadline_exceeded();
      limit = limit == 0 ? total - spent : std::min(limit, total - spent);
    }
    const std::string url = request.url_for(endpoints_[k]);
    if (config_.on_request) {
      config_.on_request({request.method, url, request.body.value_or(""), request.body.has_value()});
    }
    auto outcome = transport_.perform(url, request, limit);
    const std::string name = endpoints_[k].to_string();
    if (!outcome.ok) {
      const TransportFailure& f = outcome.failure;
      if (f.timed_out && total > 0 && elapsed_ms(start) >= total) return deadline_exceeded();
      if (f.timed_out && request.wait) {
        return Error{.kind = ErrorKind::timeout, .message = "watch timed out"};
      }
      errors.push_back({name, f.message, f.connection});
      if (f.sent && !request.idempotent()) return failure(std::move(errors));
      if (config_.cancel != nullptr && config_.cancel->load()) return failure(std::move(errors));
      continue;
    }
    const int status = outcome.response.status;
    if (status / 100 == 5) {
      errors.push_back({name,
                        status == 500 || status == 503
                            ? "client: etcd member " + name + " has no leader"
                            : "client: etcd member " + name + " returns server error [" +
                                  status_text(status) + "]",
                        false});
      continue;
    }
    pinned_ = k;
    return std::move(outcome.response);
  }
  return failure(std::move(errors));
}

Result<void> Client::sync() {
  auto response = send(get("/v2/members"));
  if (!response) return response.error();
  if (response->status != 200) {
    return Error{.kind = ErrorKind::http,
                 .message = "unexpected status code " + std::to_string(response->status),
                 .http_status = response->status,
                 .body = response->body};
  }
  auto members = decode_members(response->body);
  if (!members) return members.error();
  std::vector<Endpoint> fresh;
  for (const auto& m : *members) {
    for (const auto& url : m.client_urls) {
      auto endpoint = parse_endpoint(url);
      if (!endpoint) return endpoint.error();
      fresh.push_back(*endpoint);
    }
  }
  if (fresh.empty()) return invalid_argument("client: no endpoints available");
  const std::string pinned = endpoints_[pinned_].to_string();
  size_t next_pinned = 0;
  for (size_t i = 0; i < fresh.size(); ++i) {
    if (fresh[i].to_string() == pinned) next_pinned = i;
  }
  endpoints_ = std::move(fresh);
  pinned_ = next_pinned;
  return Ok{};
}

Result<Version> Client::version() {
  auto response = send(get("/version"));
  if (!response) return response.error();
  return decode_version(response->body);
}

Result<bool> Client::health() {
  auto response = send(get("/health"));
  if (!response) return response.error();
  return decode_health(response->body);
}

Result<bool> Client::member_health(const std::string& client_url) {
  const HttpRequest request = get("/health");
  const std::string url = client_url + "/health";
  if (config_.on_request) config_.on_request({"GET", url, "", false});
  auto outcome = transport_.perform(url, request, config_.request_timeout_ms);
  if (!outcome.ok) {
    return failure({{client_url, outcome.failure.message, outcome.failure.connection}});
  }
  return decode_health(outcome.response.body);
}

std::vector<std::string> Client::endpoint_urls() const {
  std::vector<std::string> out;
  for (const auto& e : endpoints_) out.push_back(e.to_string());
  return out;
}

}  // namespace etcd::client
