// parse_keys_request: an HTTP request on /v2/keys turned into what the server acts on,
// with etcd's validation (etcd api/v2http parseKeyRequest): the same parameters, the same
// error codes and causes, and the TTL stamped as an absolute expiration from the caller's
// clock at the edge. Pure; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "etcd/http/message.h"
#include "etcd/store/error.h"
#include "etcd/store/request.h"

namespace etcd::api {

inline constexpr std::string_view kKeysPrefix = "/v2/keys";

// Longest key a PUT or POST accepts (after decoding and cleaning): 209 "Invalid field"
// beyond; reads and deletes are not limited (the URL limit still applies). etcd has no key
// limit of its own (only Go's 1 MiB header limit); keys in practice are far shorter.
inline constexpr size_t kKeyBytesMax = 8 * 1024;
// Largest TTL accepted (about 136 years): 202 beyond. etcd multiplies the TTL into a
// time.Duration unchecked, so a larger one overflows into an expiration in the past.
inline constexpr uint64_t kTtlMaxSeconds = 4'294'967'295;

struct KeysRequest {
  // For writes (put, post, remove) and reads (get): path cleaned, TTL as expiration_ns,
  // time_ns = now.
  store::Request request;
  bool head = false;                // HEAD: as GET, without a body
  bool wait = false;                // watch
  store::EtcdIndex wait_index;      // 0 = from now on
  bool stream = false;              // watch: keep the response open for every event
  bool quorum = false;              // linearizable read (ReadIndex)
  bool no_value_on_success = false; // writes: leave node.value out of a success response

  bool is_read() const { return request.method == store::Method::get; }
};

// `request` must be a GET, HEAD, PUT, POST or DELETE whose path starts with /v2/keys (the
// router answers other methods with 405, and paths with "//" with a 301 as Go's ServeMux).
// Errors are request errors (2xx codes, index 0), answered without touching the store:
// 210 for a bad escape, a ';' separator or invalid UTF-8 anywhere in the key or the form;
// 209 for a "." or ".." key segment (Go would redirect to the cleaned path; we refuse it)
// or a write of a key longer than kKeyBytesMax; 202/203 for bad numbers, as etcd.
store::StoreResult<KeysRequest> parse_keys_request(const http::Request& request, int64_t now_ns);

// Whether a decoded path has a "." or ".." segment.
bool has_dot_segment(std::string_view path);

}  // namespace etcd::api
