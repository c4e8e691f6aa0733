// Limits that keep one client from hurting the server: sizes with clear 4xx answers, and
// timeouts so a slow or idle client cannot hold a connection forever.
#pragma once

#include <cstddef>
#include <cstdint>

namespace etcd::http {

struct Limits {
  size_t body_bytes_max = 1536 * 1024;   // etcd's default request size limit (1.5 MiB)
  size_t header_bytes_max = 64 * 1024;   // request line + headers
  size_t pipelined_bytes_max = 256 * 1024;  // buffered while a response is pending
  size_t connections_max = 10000;
  int64_t request_timeout_ms = 30'000;   // first byte of a request to its end (slowloris)
  int64_t idle_timeout_ms = 300'000;     // keep-alive connection with no request
};

}  // namespace etcd::http
