// PeerUrl: one peer URL ("http://10.0.0.1:2380", "https://[::1]:7001") split into what a
// dialer or listener needs. Pure parsing, no name resolution: a host name stays a name
// until someone dials it. Safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "etcd/common/result.h"

namespace etcd::transport {

struct PeerUrl {
  bool tls = false;   // scheme https
  std::string host;   // name or IP literal, without brackets
  uint16_t port = 0;  // 0 only for listen URLs ("pick a free port")
  std::string raw;    // as given, for log lines

  // "host:port", with brackets around IPv6 literals (for Host headers and messages).
  std::string authority() const;
};

// Accepts http:// and https:// URLs of the form scheme://host:port with an optional
// trailing "/"; anything else (unix sockets, paths, missing port) is an error naming the
// URL. Port 0 is accepted (listeners bind an ephemeral port).
Result<PeerUrl> parse_peer_url(std::string_view text);

// Parses every URL; fails on the first bad one. An empty list is an error.
Result<std::vector<PeerUrl>> parse_peer_urls(const std::vector<std::string>& texts);

}  // namespace etcd::transport
