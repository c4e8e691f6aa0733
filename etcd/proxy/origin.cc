#include "etcd/proxy/origin.h"

#include <charconv>

namespace etcd::proxy {

SplitUrl split_url(const std::string& url) {
  const auto scheme_end = url.find("://");
  const auto from = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const auto path = url.find_first_of("/?", from);
  if (path == std::string::npos) return {url, "/"};
  const std::string rest = url.substr(path);
  return {url.substr(0, path), rest.front() == '?' ? "/" + rest : rest};
}

Result<Origin> parse_origin(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return Error{"not a URL: " + url};
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http") return Error{url + ": the proxy dials only http:// URLs"};
  Origin o;
  o.authority = split_url(url).origin.substr(scheme_end + 3);
  if (o.authority.empty()) return Error{"URL has no host: " + url};
  std::string port_text = "80";
  if (o.authority.front() == '[') {
    const auto close = o.authority.find(']');
    if (close == std::string::npos) return Error{"bad IPv6 host in URL: " + url};
    o.host = o.authority.substr(1, close - 1);
    if (close + 1 < o.authority.size()) {
      if (o.authority[close + 1] != ':') return Error{"bad host in URL: " + url};
      port_text = o.authority.substr(close + 2);
    }
  } else if (const auto colon = o.authority.rfind(':'); colon != std::string::npos) {
    o.host = o.authority.substr(0, colon);
    port_text = o.authority.substr(colon + 1);
  } else {
    o.host = o.authority;
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    return Error{"URL has a bad port: " + url};
  }
  o.port = static_cast<uint16_t>(port);
  return o;
}

}  // namespace etcd::proxy
