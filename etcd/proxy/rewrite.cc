#include "etcd/proxy/rewrite.h"

#include <array>

namespace etcd::proxy {
namespace {

// etcd's singleHopHeaders (from Go's httputil.ReverseProxy).
constexpr std::array<std::string_view, 8> kHopByHop = {
    "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
    "Te",         "Trailers",   "Transfer-Encoding",  "Upgrade"};

bool hop_by_hop(std::string_view name) {
  for (auto h : kHopByHop) {
    if (http::iequals(h, name)) return true;
  }
  return false;
}

}  // namespace

std::string_view client_ip(std::string_view remote) {
  if (remote.starts_with('[')) {
    const auto close = remote.find(']');
    return close == std::string_view::npos ? std::string_view{} : remote.substr(1, close - 1);
  }
  const auto colon = remote.rfind(':');
  return colon == std::string_view::npos ? std::string_view{} : remote.substr(0, colon);
}

std::vector<http::Header> upstream_headers(const http::Request& request) {
  std::vector<http::Header> out;
  std::string forwarded_for;
  for (const auto& h : request.headers) {
    if (hop_by_hop(h.name)) continue;
    // The body is re-framed for the member; and this hop already answered any
    // "Expect: 100-continue", so the member must not send a second interim response.
    if (http::iequals(h.name, "Content-Length") || http::iequals(h.name, "Expect")) continue;
    if (http::iequals(h.name, "X-Forwarded-For")) {
      forwarded_for += (forwarded_for.empty() ? "" : ", ") + h.value;
      continue;
    }
    out.push_back(h);
  }
  if (const auto ip = client_ip(request.remote_address); !ip.empty()) {
    forwarded_for += (forwarded_for.empty() ? "" : ", ") + std::string(ip);
  }
  if (!forwarded_for.empty()) out.push_back({"X-Forwarded-For", forwarded_for});
  return out;
}

std::vector<http::Header> downstream_headers(const std::vector<http::Header>& member_headers) {
  std::vector<http::Header> out;
  for (const auto& h : member_headers) {
    if (hop_by_hop(h.name) || http::iequals(h.name, "Content-Length")) continue;
    out.push_back(h);
  }
  return out;
}

}  // namespace etcd::proxy
