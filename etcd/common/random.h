// A small, seedable PRNG (xoshiro256**). Randomness is injected wherever it is needed
// (election jitter, subnet choice, backoff) so that a seed replays a run exactly; main()
// seeds from std::random_device, tests and the simulator from their seed.
#pragma once

#include <cstdint>

namespace etcd {

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    // SplitMix64 expands the seed into the four state words (never all zero).
    for (auto& word : state_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
  }

  uint64_t next() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, n); n > 0. The modulo bias is negligible for the small n we use.
  uint64_t below(uint64_t n) { return next() % n; }

  // True with probability numerator/denominator.
  bool chance(uint64_t numerator, uint64_t denominator) { return below(denominator) < numerator; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

}  // namespace etcd
