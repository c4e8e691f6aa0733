// Expected<T, E>: a value or an error, the way the agents report an expected failure (a
// full semaphore, a bad network config, a unit file that does not parse). GCC 12 has no
// std::expected; this is the small subset the agents need. An error is built with
// unexpected(e), so T and E may even be the same type. Plain data; no exceptions.
// Header-only, shared by every agent (each re-exports it into its own namespace).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <utility>
#include <variant>

namespace corestack::agents {

template <typename E>
struct Unexpected {
  E error;
};

template <typename E>
Unexpected<E> unexpected(E error) {
  return Unexpected<E>{std::move(error)};
}

namespace detail {
[[noreturn]] inline void expected_misuse(const char* what) {
  std::fprintf(stderr, "agents::Expected: %s\n", what);
  std::abort();
}
}  // namespace detail

template <typename T, typename E>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  template <typename G>
  Expected(Unexpected<G> e) : v_(std::in_place_index<1>, std::move(e.error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return ok() ? std::get<0>(v_) : fail("value() on an error"); }
  const T& value() const& { return ok() ? std::get<0>(v_) : fail("value() on an error"); }
  T&& value() && { return std::move(ok() ? std::get<0>(v_) : fail("value() on an error")); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const E& error() const {
    if (ok()) detail::expected_misuse("error() on a value");
    return std::get<1>(v_);
  }

 private:
  [[noreturn]] static T& fail(const char* what) { detail::expected_misuse(what); }

  std::variant<T, E> v_;
};

struct Done {};

template <typename E>
class [[nodiscard]] Expected<void, E> {
 public:
  Expected() = default;
  Expected(Done) {}  // NOLINT: implicit
  template <typename G>
  Expected(Unexpected<G> e) : error_(std::move(e.error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const E& error() const {
    if (ok_) detail::expected_misuse("error() on a value");
    return error_;
  }

 private:
  E error_{};
  bool ok_ = true;
};

}  // namespace corestack::agents
