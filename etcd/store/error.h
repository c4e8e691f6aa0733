// The etcd v2 error table (etcd error/error.go, v2error in etcd 3.4): every code the v2 API
// can answer with, its fixed message and its HTTP status, plus StoreError (code, cause,
// store index) and StoreResult<T>, the value-or-error every store operation returns.
//
// Owns: the table only. Never does I/O. The API layer uses the same table for the
// request-validation errors (2xx codes) it answers before a request reaches the store.
// Pure data and functions; any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "etcd/common/assert.h"
#include "etcd/store/event.h"

namespace etcd::store {

// Values are the wire error codes (`errorCode` in the JSON body).
enum class ErrorCode : int {
  // command related
  key_not_found = 100,
  test_failed = 101,  // "Compare failed"
  not_file = 102,
  no_more_peer = 103,
  not_dir = 104,
  node_exist = 105,
  key_is_preserved = 106,
  root_read_only = 107,
  dir_not_empty = 108,
  existing_peer_addr = 109,
  unauthorized = 110,
  // post form related (answered by the API before the store sees the request)
  value_required = 200,
  prev_value_required = 201,
  ttl_nan = 202,
  index_nan = 203,
  value_or_ttl_required = 204,
  timeout_nan = 205,
  name_required = 206,
  index_or_value_required = 207,
  index_value_mutex = 208,
  invalid_field = 209,
  invalid_form = 210,
  refresh_value = 211,
  refresh_ttl_required = 212,
  // raft related
  raft_internal = 300,
  leader_elect = 301,
  // etcd related
  watcher_cleared = 400,
  event_index_cleared = 401,
  standby_internal = 402,
  invalid_active_size = 403,
  invalid_remove_delay = 404,
  // client related
  client_internal = 500,
};

// etcd's message for `code` ("Key not found"); empty for a value outside the table.
std::string_view error_message(ErrorCode code);

// HTTP status etcd answers with: 404, 403, 401, 412, 500 for the listed codes, 400 for
// everything else (etcd's default).
int http_status(ErrorCode code);

struct StoreError {
  ErrorCode code = ErrorCode::key_not_found;
  // Free text, e.g. the offending path or "[nope != baz]"; empty = omitted on the wire.
  std::string cause;
  // The store's etcd index when the error happened (X-Etcd-Index, `index` in the body).
  EtcdIndex index;

  std::string_view message() const { return error_message(code); }
  bool operator==(const StoreError&) const = default;
};

// A store operation's outcome: a value or a StoreError. Never thrown.
template <typename T>
class [[nodiscard]] StoreResult {
 public:
  StoreResult(T value) : v_(std::move(value)) {}           // NOLINT: implicit by design
  StoreResult(StoreError error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    ETCD_ASSERT(ok(), "value() on an error StoreResult");
    return std::get<0>(v_);
  }
  const T& value() const& {
    ETCD_ASSERT(ok(), "value() on an error StoreResult");
    return std::get<0>(v_);
  }
  T&& value() && {
    ETCD_ASSERT(ok(), "value() on an error StoreResult");
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const StoreError& error() const {
    ETCD_ASSERT(!ok(), "error() on an ok StoreResult");
    return std::get<1>(v_);
  }

 private:
  std::variant<T, StoreError> v_;
};

}  // namespace etcd::store
