// Stable 64-bit hashing for the simulator: FNV-1a over bytes plus a mixer to chain values.
// std::hash is not specified across standard libraries, and the simulator's state hashes
// must be the same on every machine so a seed's trace is reproducible. Header-only, pure.
#pragma once

#include <cstdint>
#include <string_view>

namespace etcd::sim {

inline constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;

inline uint64_t fnv1a(std::string_view bytes, uint64_t hash = kFnvOffset) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// Folds a number into a running hash (SplitMix64 finaliser of the xor).
inline uint64_t mix(uint64_t hash, uint64_t value) {
  uint64_t z = hash ^ (value + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace etcd::sim
