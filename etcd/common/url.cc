#include "etcd/common/url.h"

#include <charconv>

namespace etcd {
namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = text.find(sep, start);
    parts.push_back(text.substr(start, pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

Result<uint16_t> parse_port(std::string_view text, std::string_view url) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 65535 || text.empty()) {
    return Error{"URL has an invalid port: " + std::string(url)};
  }
  return static_cast<uint16_t>(value);
}

}  // namespace

Result<Url> parse_url(std::string_view text) {
  const std::string raw(text);
  const auto scheme_end = text.find("://");
  const std::string_view scheme =
      scheme_end == std::string_view::npos ? std::string_view{} : text.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https" && scheme != "unix" && scheme != "unixs") {
    return Error{"URL scheme must be http, https, unix, or unixs: " + raw};
  }
  std::string_view authority = text.substr(scheme_end + 3);
  if (auto slash = authority.find('/'); slash != std::string_view::npos) {
    if (authority.substr(slash) != "/") return Error{"URL must not contain a path: " + raw};
    authority = authority.substr(0, slash);
  }
  Url url{.scheme = std::string(scheme), .raw = raw};
  std::string_view host_part;
  std::string_view port_part;
  if (authority.starts_with('[')) {  // [v6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos || authority.substr(close + 1, 1) != ":") {
      return Error{"URL address does not have the form \"host:port\": " + raw};
    }
    host_part = authority.substr(1, close - 1);
    port_part = authority.substr(close + 2);
  } else {
    const auto colon = authority.rfind(':');
    if (colon == std::string_view::npos) {
      return Error{"URL address does not have the form \"host:port\": " + raw};
    }
    host_part = authority.substr(0, colon);
    port_part = authority.substr(colon + 1);
  }
  if (host_part.empty()) return Error{"URL has no host: " + raw};
  auto port = parse_port(port_part, raw);
  if (!port) return port.error();
  url.host = std::string(host_part);
  url.port = *port;
  return url;
}

Result<std::vector<Url>> parse_url_list(std::string_view text) {
  if (text.empty()) return Error{"URL list is empty"};
  std::vector<Url> urls;
  for (std::string_view part : split(text, ',')) {
    auto url = parse_url(part);
    if (!url) return url.error();
    urls.push_back(std::move(url).value());
  }
  return urls;
}

Result<std::vector<ClusterEntry>> parse_initial_cluster(std::string_view text) {
  if (text.empty()) return Error{"initial cluster is empty"};
  std::vector<ClusterEntry> entries;
  for (std::string_view part : split(text, ',')) {
    const auto eq = part.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return Error{"expected name=url, got \"" + std::string(part) + "\""};
    }
    auto url = parse_url(part.substr(eq + 1));
    if (!url) return url.error();
    entries.push_back({std::string(part.substr(0, eq)), std::move(url).value()});
  }
  return entries;
}

}  // namespace etcd
