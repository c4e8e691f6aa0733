// Plain HTTP request/response values exchanged between the server plumbing (this module)
// and the handlers that give them meaning (etcd/api). No I/O here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace etcd::http {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;  // as sent ("GET", "PUT", ...)
  std::string target;  // path + "?" + query, still percent-encoded
  std::vector<Header> headers;
  std::string body;
  std::string remote_address;  // "ip:port" of the client
  bool keep_alive = true;

  std::string_view path() const;   // target before '?'
  std::string_view query() const;  // target after '?', or empty
  // First header with this name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<Header> headers;
  std::string body;

  void set(std::string name, std::string value) { headers.push_back({std::move(name), std::move(value)}); }
};

// Serialises a complete response (Content-Length framing). `head_request`: an answer to
// HEAD carries the headers (Content-Length of the body it would have) but not the body.
std::string serialize(const Response& response, bool keep_alive, bool head_request = false);
// Serialises the head of a chunked response; the body follows as chunks.
std::string serialize_stream_head(const Response& head, bool keep_alive);
std::string serialize_chunk(std::string_view data);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

bool iequals(std::string_view a, std::string_view b);

}  // namespace etcd::http
