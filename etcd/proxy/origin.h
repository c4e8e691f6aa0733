// Splitting the URLs a proxy dials: a member's client URL ("http://10.0.0.1:2379") is an
// origin; a control-plane URL (peer /members, discovery) is an origin plus a target.
#pragma once

#include <cstdint>
#include <string>

#include "etcd/common/result.h"

namespace etcd::proxy {

struct Origin {
  std::string host;  // without IPv6 brackets, ready to resolve
  uint16_t port = 0;
  std::string authority;  // "host:port" as written, for the Host header
};

// "http://host[:port][/...]"; the port defaults to 80. https and unix sockets are refused:
// the proxy dials plain TCP only (as the rest of etcd2's client side today).
Result<Origin> parse_origin(const std::string& url);

struct SplitUrl {
  std::string origin;  // "http://host:port"
  std::string target;  // "/path?query", "/" when empty
};
SplitUrl split_url(const std::string& url);

}  // namespace etcd::proxy
