// Clock: the only way code outside main() learns the time. Injected so that tests and the
// simulator control it; SystemClock is the production one.
#pragma once

#include <cstdint>

namespace etcd {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall time, nanoseconds since the Unix epoch (TTL expirations are absolute wall times).
  virtual int64_t now_unix_ns() const = 0;
  // Monotonic time in nanoseconds, for durations and timeouts.
  virtual int64_t steady_ns() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now_unix_ns() const override;
  int64_t steady_ns() const override;
};

// A clock tests move by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t unix_ns = 1'700'000'000'000'000'000) : unix_ns_(unix_ns) {}
  int64_t now_unix_ns() const override { return unix_ns_; }
  int64_t steady_ns() const override { return steady_ns_; }
  void advance_ns(int64_t ns) {
    unix_ns_ += ns;
    steady_ns_ += ns;
  }

 private:
  int64_t unix_ns_;
  int64_t steady_ns_ = 0;
};

}  // namespace etcd
