#include "agents/etcdclient/url.h"

#include <algorithm>
#include <cctype>

namespace etcd::client {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

// Go's shouldEscape(c, encodePath).
bool keep_in_path(unsigned char c) {
  if (is_unreserved(c)) return true;
  switch (c) {
    case '$': case '&': case '+': case ',': case '/': case ':': case ';': case '=': case '@':
      return true;
    default:
      return false;
  }
}

void append_escaped(std::string& out, unsigned char c) {
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

}  // namespace

std::string Endpoint::to_string() const { return scheme + "://" + host + escape_path(path); }

std::string Endpoint::host_port() const {
  const auto bracket = host.rfind(']');
  const auto colon = host.rfind(':');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) return host;
  return host + (scheme == "https" ? ":443" : ":80");
}

Result<Endpoint> parse_endpoint(std::string_view url) {
  Endpoint e;
  std::string_view rest = url;
  if (auto sep = url.find("://"); sep != std::string_view::npos) {
    e.scheme = std::string(url.substr(0, sep));
    std::transform(e.scheme.begin(), e.scheme.end(), e.scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    rest = url.substr(sep + 3);
  } else {
    e.scheme = "http";
  }
  if (e.scheme != "http" && e.scheme != "https") {
    return invalid_argument("unsupported scheme in endpoint " + std::string(url) +
                            " (want http or https)");
  }
  const auto slash = rest.find('/');
  e.host = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) e.path = std::string(rest.substr(slash));
  if (e.host.empty()) return invalid_argument("no host in endpoint " + std::string(url));
  return e;
}

std::string clean_path(std::string_view path) {
  if (path.empty()) return ".";
  const bool rooted = path[0] == '/';
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    i = j + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = rooted ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k > 0) out += '/';
    out += parts[k];
  }
  return out.empty() ? "." : out;
}

std::string canonical_url_path(std::string_view path) {
  if (path.empty()) return "/";
  std::string p(path);
  if (p[0] != '/') p = "/" + p;
  std::string cleaned = clean_path(p);
  if (p.back() == '/' && cleaned != "/") cleaned += '/';
  return cleaned;
}

std::string join_path(const std::vector<std::string_view>& parts) {
  std::string joined;
  for (auto part : parts) {
    if (part.empty()) continue;
    if (!joined.empty()) joined += '/';
    joined += part;
  }
  return joined.empty() ? "" : clean_path(joined);
}

std::string escape_path(std::string_view path) {
  std::string out;
  for (unsigned char c : path) {
    if (keep_in_path(c)) {
      out += static_cast<char>(c);
    } else {
      append_escaped(out, c);
    }
  }
  return out;
}

std::string query_escape(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (is_unreserved(c)) {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      append_escaped(out, c);
    }
  }
  return out;
}

std::string encode_query(Params params) {
  std::stable_sort(params.begin(), params.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out += '&';
    out += query_escape(key) + "=" + query_escape(value);
  }
  return out;
}

}  // namespace etcd::client
