#include "etcd/transport/backoff.h"

#include <algorithm>

#include "etcd/common/assert.h"

namespace etcd::transport {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, Rng rng)
    : initial_(initial), max_(max), step_(initial), rng_(rng) {
  ETCD_ASSERT(initial.count() > 0 && initial <= max, "backoff needs 0 < initial <= max");
}

std::chrono::milliseconds Backoff::next() {
  const auto step = static_cast<uint64_t>(step_.count());
  const uint64_t half = step / 2;
  const auto delay = std::chrono::milliseconds(half + rng_.below(step - half + 1));
  step_ = std::min(max_, step_ * 2);
  return delay;
}

void Backoff::reset() {
  step_ = initial_;
}

}  // namespace etcd::transport
