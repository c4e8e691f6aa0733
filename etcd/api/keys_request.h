// parse_keys_request: an HTTP request on /v2/keys turned into what the server acts on,
// with etcd's validation (etcd api/v2http parseKeyRequest): the same parameters, the same
// error codes and causes, and the TTL stamped as an absolute expiration from the caller's
// clock at the edge. Pure; any thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "etcd/http/message.h"
#include "etcd/store/error.h"
#include "etcd/store/request.h"

namespace etcd::api {

inline constexpr std::string_view kKeysPrefix = "/v2/keys";

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
// router answers other methods with 405, and unclean paths with a 301 as Go's ServeMux). Errors are request errors (2xx codes, index 0):
// answered without touching the store.
store::StoreResult<KeysRequest> parse_keys_request(const http::Request& request, int64_t now_ns);

}  // namespace etcd::api
