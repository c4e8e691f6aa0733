// CurlTransport: sends one HttpRequest to one URL with libcurl and hands back the
// status, headers and body — or a transport error worded like etcd's Go client
// ("dial tcp 127.0.0.1:2379: connect: connection refused"), so etcdctl2 prints what
// etcdctl prints. It owns one libcurl easy handle, whose connection cache keeps
// connections to the members alive between calls. TLS (CA, client cert) and basic auth
// come from the Config.
//
// Never retries and never chooses endpoints (Client does). Not thread-safe: one
// transport per thread. Blocks for at most `timeout_ms` per call (0 = no limit).
#pragma once

#include <cstdint>
#include <string>

#include "agents/etcdclient/config.h"
#include "agents/etcdclient/http.h"
#include "agents/etcdclient/result.h"

namespace etcd::client {

// What one failed attempt looked like; the Client turns it into EndpointError entries.
struct TransportFailure {
  std::string message;      // Go-style text
  bool connection = false;  // etcdctl's "connection error" (refused, dial/read failure)
  bool sent = true;         // false: the request cannot have reached a server
  bool timed_out = false;   // `timeout_ms` passed
};

class CurlTransport {
 public:
  explicit CurlTransport(const Config& config);
  ~CurlTransport();
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  // Performs `request` on `url` (request.url_for(endpoint)). Any HTTP status is a
  // success here; a failure before a complete response is a TransportFailure.
  struct Outcome {
    bool ok = false;
    HttpResponse response;
    TransportFailure failure;
  };
  Outcome perform(const std::string& url, const HttpRequest& request, uint64_t timeout_ms);

 private:
  void set_options(const std::string& url, const HttpRequest& request, uint64_t timeout_ms);
  TransportFailure describe(int code, const std::string& url, uint64_t timeout_ms) const;

  void* curl_;  // CURL*
  Config config_;
  char error_buffer_[256] = {};
};

}  // namespace etcd::client
