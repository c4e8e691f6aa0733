// HttpRequest / HttpResponse: one v2 API call as data, independent of the endpoint it is
// sent to (the Client tries several). Built by the *_request.cc functions, sent by
// CurlTransport, parsed by codec.h. No I/O here.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "agents/etcdclient/url.h"

namespace etcd::client {

// How the request path is joined to the endpoint's own path prefix.
enum class PathJoin {
  canonical,  // keys API: CanonicalURLPath(ep.path + path) — keeps a trailing slash
  clean,      // members/auth/version: path.Join(ep.path, path)
};

struct HttpRequest {
  std::string method = "GET";
  std::string path;   // unescaped, e.g. "/v2/keys/foo bar"
  PathJoin join = PathJoin::clean;
  std::string query;  // already encoded (encode_query), without '?'
  std::optional<std::string> body;
  std::string content_type;  // sent when not empty
  // A long-poll watch (wait=true): its own timeout (below) instead of the per-request
  // one, and running out of it is not an endpoint failure.
  bool wait = false;
  // This request's limit per attempt, overriding Config::request_timeout_ms (0 = none).
  std::optional<uint64_t> timeout_ms;

  // The full URL on `endpoint`: scheme://host + escaped path [+ "?" + query].
  std::string url_for(const Endpoint& endpoint) const;
  // Reads (GET) may be retried on another endpoint after any transport failure; writes
  // only when the request cannot have reached a server.
  bool idempotent() const { return method == "GET" || method == "HEAD"; }
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; last one wins
  std::string body;

  // The header's value, or "" when absent.
  std::string header(const std::string& lower_name) const;
};

}  // namespace etcd::client
