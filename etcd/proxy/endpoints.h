// Endpoints: the member client URLs a proxy forwards to, in a shuffled order, each with a
// failure mark. etcd's director: a URL that fails (dial, write, or no response head) is
// skipped for --proxy-failure-wait, then tried again; a refresh replaces the list and
// clears every mark. Time comes from an injected Clock so tests move it by hand.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "etcd/common/clock.h"
#include "etcd/common/random.h"

namespace etcd::proxy {

class Endpoints {
 public:
  Endpoints(const Clock& clock, int64_t failure_wait_ms, uint64_t seed);

  // Replaces the list (shuffled so that proxies do not all pile onto the first member).
  void set(std::vector<std::string> urls);
  // The URLs not marked failed right now, in the current order.
  std::vector<std::string> available() const;
  // Every URL, marked or not (for /v2/config/local/proxy and the log).
  std::vector<std::string> all() const;
  // Returns true when this call marked it (false: unknown URL or already marked).
  bool mark_failed(const std::string& url);

 private:
  struct Entry {
    std::string url;
    int64_t failed_until_ns = 0;  // steady time; 0 or past = available
  };

  const Clock& clock_;
  const int64_t failure_wait_ns_;
  mutable std::mutex mutex_;
  Rng rng_;
  std::vector<Entry> entries_;
};

}  // namespace etcd::proxy
