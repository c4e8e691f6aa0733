// Backoff: how long to wait before the next reconnect attempt. Exponential from `initial`
// to `max`, with "equal jitter" (half the step fixed, half random) so that members that
// lost a peer at the same moment do not redial in lockstep. The Rng is injected so a
// seed replays the same delays. Not thread-safe: owned by one peer's strand.
#pragma once

#include <chrono>

#include "etcd/common/random.h"

namespace etcd::transport {

class Backoff {
 public:
  // Preconditions: 0 < initial <= max.
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, Rng rng);

  // The delay before the next attempt: in [step/2, step] where step starts at `initial`
  // and doubles per call up to `max`.
  std::chrono::milliseconds next();

  // After a success: the next delay starts again from `initial`.
  void reset();

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds step_;
  Rng rng_;
};

}  // namespace etcd::transport
