// Config: how a Client reaches the cluster — endpoints, timeouts, TLS files and basic
// auth. Filled by each agent's main() from its flags/environment and passed by const
// reference; validate() before use (Client::create does).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "agents/etcdclient/result.h"

namespace etcd::client {

// What the client is about to send, for --debug style tracing: method, full URL, and
// the body (empty when there is none; `has_body` tells "" from no body).
struct RequestTrace {
  std::string method;
  std::string url;
  std::string body;
  bool has_body = false;
};

struct Config {
  // Client URLs of the members, e.g. {"http://10.0.0.1:2379", "https://e1:2379"}. Tried
  // in order starting from the one that answered last (the pinned endpoint). A URL
  // without a scheme gets "http://".
  std::vector<std::string> endpoints = {"http://127.0.0.1:2379", "http://127.0.0.1:4001"};
  // Per attempt on one endpoint: connect + request + the response headers and body (not
  // used by watches, which take their own timeout). 0 = no limit.
  uint64_t request_timeout_ms = 2000;
  // Connect timeout per attempt (dial); 0 = libcurl's default.
  uint64_t connect_timeout_ms = 1000;
  // Per call across every endpoint tried (failover included); 0 = no limit.
  uint64_t total_timeout_ms = 0;

  // TLS: a CA bundle alone verifies the servers; cert + key add a client certificate.
  // Empty = system CA store / no client certificate.
  std::string ca_file;
  std::string cert_file;
  std::string key_file;

  // HTTP basic auth (etcd v2 auth); sent only when username is not empty.
  std::string username;
  std::string password;

  // Called before every HTTP request is sent (optional).
  std::function<void(const RequestTrace&)> on_request;

  // Optional: once *cancel is true, a request in flight ends within about a second
  // (libcurl's progress callback) with a transport error "request cancelled", and no
  // other endpoint is tried. Lets an owner stop a long watch poll promptly. The flag
  // must outlive the client.
  const std::atomic<bool>* cancel = nullptr;

  // Errors (kind invalid): no endpoint, an endpoint that is not http(s)://host[:port][/path],
  // a cert without a key or the reverse.
  Result<void> validate() const;
};

}  // namespace etcd::client
