// URL building for the v2 API, byte-compatible with etcd's Go client (so `etcdctl2
// --debug` prints the same requests as etcdctl): Go's path.Clean, etcd's
// CanonicalURLPath, url.PathEscape-style path escaping, url.QueryEscape, and
// url.Values.Encode (keys sorted). Pure functions; no I/O.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agents/etcdclient/result.h"

namespace etcd::client {

// A parsed endpoint: scheme "http" or "https", host with optional ":port", and a path
// prefix (usually empty).
struct Endpoint {
  std::string scheme;
  std::string host;
  std::string path;

  // Go url.URL.String(): scheme://host + escaped path.
  std::string to_string() const;
  // "host:port" with the scheme's default port filled in (for error messages).
  std::string host_port() const;

  bool operator==(const Endpoint&) const = default;
};

// Parses "http://host:port[/path]". A URL without "://" is taken as http (etcdctl's rule).
// Errors (kind invalid): a scheme other than http/https, an empty host.
Result<Endpoint> parse_endpoint(std::string_view url);

// Go path.Clean: lexical cleaning ("a//b/../c" -> "a/c", "" -> ".").
std::string clean_path(std::string_view path);
// etcd pathutil.CanonicalURLPath: "/" + clean, keeping a trailing slash ("" -> "/").
std::string canonical_url_path(std::string_view path);
// Go path.Join of the non-empty parts, cleaned; "" when all are empty.
std::string join_path(const std::vector<std::string_view>& parts);

// Go url.URL.EscapedPath for a path (keeps "/", unreserved and "$&+,:;=@").
std::string escape_path(std::string_view path);
// Go url.QueryEscape (space as '+').
std::string query_escape(std::string_view text);

// Query or form parameters; encode_query sorts by key (stable), as url.Values.Encode.
using Params = std::vector<std::pair<std::string, std::string>>;
std::string encode_query(Params params);

}  // namespace etcd::client
