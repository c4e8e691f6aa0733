// Limits that keep one client from hurting the server: sizes with clear 4xx answers, and
// timeouts so a slow or idle client cannot hold a connection forever.
//
// A request refused by a limit is answered with the status below, Content-Type
// application/json and a body {"message":"..."} naming the limit, then the connection is
// closed (after a short drain of what the client is still sending, so that it reads the
// answer instead of a reset). docs/etcd2.md "Limits and bad input" is the user's view.
//
// Not limits here, on purpose:
// - Watchers per connection: HTTP/1.1 has at most one outstanding request per connection,
//   and a Session dispatches one request at a time (pipelined ones wait, buffered up to
//   pipelined_bytes_max, after which the socket is not read). A watch is one request, so a
//   connection holds at most one watcher; the number of watchers is bounded by
//   connections_max.
// - Key length: a keyspace notion, checked by etcd/api (kKeyBytesMax in keys_request.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace etcd::http {

struct Limits {
  size_t body_bytes_max = 1536 * 1024;   // etcd's default request size limit (1.5 MiB): 413
  size_t header_bytes_max = 64 * 1024;   // request line + headers: 431
  size_t url_bytes_max = 32 * 1024;      // request target (path + query): 414
  size_t header_count_max = 100;         // header fields: 431
  size_t pipelined_bytes_max = 256 * 1024;  // buffered while a response is pending
  // Responses not yet taken by the client. Past this, pipelined requests wait, and a
  // streamed response (a watch with stream=true) whose client does not read is cut off.
  size_t unwritten_bytes_max = 4 * 1024 * 1024;
  size_t connections_max = 10000;        // 503; also kept below the process's fd limit
  int64_t request_timeout_ms = 30'000;   // first byte of a request to its end (slowloris): 408
  int64_t idle_timeout_ms = 300'000;     // keep-alive connection with no request
  // A new connection must start its first request within request_timeout_ms.
  int64_t linger_ms = 1'000;             // after a refusal: drain the client's bytes this long
};

}  // namespace etcd::http
