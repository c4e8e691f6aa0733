// Result<T>: an expected outcome that may fail (key not found, bad flag, corrupt file),
// returned as a value rather than thrown across module boundaries. GCC 12 has no
// std::expected, so this is the small subset we need.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "etcd/common/assert.h"

namespace etcd {

struct Error {
  std::string message;
  // Module-defined code for callers that branch on the kind of failure (0 = unspecified).
  int code = 0;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    ETCD_ASSERT(ok(), "value() on an error Result");
    return std::get<0>(v_);
  }
  const T& value() const& {
    ETCD_ASSERT(ok(), "value() on an error Result");
    return std::get<0>(v_);
  }
  T&& value() && {
    ETCD_ASSERT(ok(), "value() on an error Result");
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    ETCD_ASSERT(!ok(), "error() on an ok Result");
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Ok) {}  // NOLINT
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    ETCD_ASSERT(!ok_, "error() on an ok Result");
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace etcd
