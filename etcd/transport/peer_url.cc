#include "etcd/transport/peer_url.h"

#include <charconv>

namespace etcd::transport {
namespace {

Error bad_url(std::string_view text, std::string_view why) {
  return Error{"invalid peer URL \"" + std::string(text) + "\": " + std::string(why)};
}

// Splits "host:port" / "[v6]:port" into host and port text.
bool split_host_port(std::string_view authority, std::string_view& host, std::string_view& port) {
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos || close + 1 >= authority.size() ||
        authority[close + 1] != ':') {
      return false;
    }
    host = authority.substr(1, close - 1);
    port = authority.substr(close + 2);
    return !host.empty();
  }
  const size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) return false;
  host = authority.substr(0, colon);
  port = authority.substr(colon + 1);
  return !host.empty() && host.find(':') == std::string_view::npos;
}

}  // namespace

std::string PeerUrl::authority() const {
  const std::string port_text = std::to_string(port);
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + port_text;
  return host + ":" + port_text;
}

Result<PeerUrl> parse_peer_url(std::string_view text) {
  PeerUrl url;
  std::string_view rest = text;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    url.tls = true;
    rest.remove_prefix(8);
  } else {
    return bad_url(text, "scheme must be http or https");
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) return bad_url(text, "no path allowed");
  std::string_view host;
  std::string_view port;
  if (!split_host_port(rest, host, port)) return bad_url(text, "want scheme://host:port");
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return bad_url(text, "bad port");
  }
  url.host = std::string(host);
  url.port = static_cast<uint16_t>(value);
  url.raw = std::string(text);
  return url;
}

Result<std::vector<PeerUrl>> parse_peer_urls(const std::vector<std::string>& texts) {
  if (texts.empty()) return Error{"no peer URLs given"};
  std::vector<PeerUrl> urls;
  urls.reserve(texts.size());
  for (const auto& text : texts) {
    auto url = parse_peer_url(text);
    if (!url) return url.error();
    urls.push_back(std::move(*url));
  }
  return urls;
}

}  // namespace etcd::transport
