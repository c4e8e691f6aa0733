// A small synchronous HTTP/1.1 client for the few calls a member makes before it runs:
// fetching a cluster's membership when joining, and the discovery protocol. One request
// per connection, bounded by a timeout; http:// and https:// (the server's certificate is
// verified, host name included).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "etcd/common/result.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace etcd::server {

using TlsClientContext = std::shared_ptr<boost::asio::ssl::context>;

struct HttpReply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  const std::string* header(std::string_view name) const;
};

// `url` is "http[s]://host:port/path?query". A form body is sent as
// application/x-www-form-urlencoded. `tls` dials https URLs (our certificate, the CA to
// trust); without one an https URL is checked against the system's CAs. Errors:
// connection, timeout, TLS handshake, malformed URL.
Result<HttpReply> http_call(const std::string& method, const std::string& url,
                            const std::string& form_body = "",
                            std::chrono::milliseconds timeout = std::chrono::seconds(5),
                            const TlsClientContext& tls = nullptr);

// Percent-encodes a query or form value.
std::string url_escape(std::string_view value);

}  // namespace etcd::server
