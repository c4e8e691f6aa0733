// Result<T> and Error: what every etcd::client call returns. Expected failures — a key
// that does not exist, a compare that failed, an unreachable cluster, a watch that timed
// out — come back as values, never as exceptions. Agents never link etcd internals, so
// this is the client's own small copy of the house Result (GCC 12 has no std::expected).
//
// An Error says which layer failed (`kind`) so callers can branch without parsing text:
//   etcd      the server answered with a v2 error body: errorCode, message, cause, index
//   http      the server answered with a status the call does not expect and no etcd body
//   transport no endpoint gave a usable answer (refused, reset, TLS, per-request timeout,
//             5xx); `endpoint_errors` has one line per endpoint tried, in order
//   timeout   the caller's deadline passed (a watch with no event, or total_timeout_ms)
//   decode    a 2xx answer whose body could not be parsed
//   invalid   bad arguments or configuration; nothing was sent
// Plain data; safe to copy between threads.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace etcd::client {

enum class ErrorKind { etcd, http, transport, timeout, decode, invalid };

// etcd v2 error codes the agents branch on (etcd error/error.go).
enum EtcdErrorCode : int {
  kKeyNotFound = 100,
  kTestFailed = 101,  // "Compare failed"
  kNotFile = 102,
  kNotDir = 104,
  kNodeExist = 105,
  kRootReadOnly = 107,
  kDirNotEmpty = 108,
  kEventIndexCleared = 401,
};

// One endpoint's failure inside a transport error.
struct EndpointError {
  std::string endpoint;  // e.g. http://127.0.0.1:2379
  std::string message;   // Go-style, e.g. "dial tcp 127.0.0.1:2379: connect: connection refused"
  // The request never reached a server (refused, unresolvable, connect timeout, TLS
  // handshake) or the connection broke: what etcdctl calls a connection error.
  bool connection = false;
};

struct Error {
  ErrorKind kind = ErrorKind::invalid;
  int error_code = 0;   // etcd errorCode (kind etcd)
  std::string message;  // etcd's message, or a description
  std::string cause;    // etcd's cause (kind etcd)
  uint64_t index = 0;   // etcd's index: the X-Etcd-Index when the error happened (kind etcd)
  int http_status = 0;  // kinds etcd and http
  std::string body;     // kind http: the raw body
  std::vector<EndpointError> endpoint_errors;  // kind transport

  // etcd: "100: Key not found (/a) [12]" (etcd's Go client format); transport: "client:
  // etcd cluster is unavailable or misconfigured; error #0: ..."; otherwise `message`.
  std::string to_string() const;
  // True for a transport error whose every endpoint failed with a connection error.
  bool is_connection_error() const;
  bool is(int etcd_code) const { return kind == ErrorKind::etcd && error_code == etcd_code; }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(check_ok()); }
  const T& value() const& { return std::get<0>(check_ok()); }
  T&& value() && { return std::get<0>(std::move(check_ok())); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    if (ok()) fail("error() on an ok Result");
    return std::get<1>(v_);
  }

 private:
  [[noreturn]] static void fail(const char* what) {
    std::fprintf(stderr, "etcd::client: %s\n", what);
    std::abort();
  }
  std::variant<T, Error>& check_ok() {
    if (!ok()) fail("value() on an error Result");
    return v_;
  }
  const std::variant<T, Error>& check_ok() const {
    if (!ok()) fail("value() on an error Result");
    return v_;
  }

  std::variant<T, Error> v_;
};

struct Ok {};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Ok) {}                                                  // NOLINT
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

// Shorthands for building errors.
Error invalid_argument(std::string message);
Error decode_error(std::string message);

}  // namespace etcd::client
