// A small synchronous HTTP/1.1 client for the few calls a member makes before it runs:
// fetching a cluster's membership when joining, and the discovery protocol. One request
// per connection, bounded by a timeout; http:// only (an https URL is an error that says so).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "etcd/common/result.h"

namespace etcd::server {

struct HttpReply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  const std::string* header(std::string_view name) const;
};

// `url` is "http://host:port/path?query". A form body is sent as
// application/x-www-form-urlencoded. Errors: connection, timeout, https, malformed URL.
Result<HttpReply> http_call(const std::string& method, const std::string& url,
                            const std::string& form_body = "",
                            std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Percent-encodes a query or form value.
std::string url_escape(std::string_view value);

}  // namespace etcd::server
