// Header rewriting between the client and the member, as etcd's reverse proxy does it:
// hop-by-hop headers stay on their hop, X-Forwarded-For gains the client's address, and
// framing (Content-Length, Transfer-Encoding) is redone by whichever side writes the bytes.
#pragma once

#include <string_view>
#include <vector>

#include "etcd/http/message.h"

namespace etcd::proxy {

// Headers to send to the member for this client request.
std::vector<http::Header> upstream_headers(const http::Request& request);
// Headers to send back to the client from the member's response head.
std::vector<http::Header> downstream_headers(const std::vector<http::Header>& member_headers);

// The client IP of "ip:port" / "[v6]:port", or empty.
std::string_view client_ip(std::string_view remote_address);

}  // namespace etcd::proxy
