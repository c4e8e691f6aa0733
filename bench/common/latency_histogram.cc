#include "bench/common/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace bench {

// Index layout: v < 128 maps to itself; otherwise, with shift = msb(v) - 6, the top seven
// bits of v (64..127) select the sub-bucket: index = 64 * shift + (v >> shift). The ranges
// are contiguous: [128, 255] -> 128..191, [256, 511] -> 192..255, and so on.
int LatencyHistogram::bucket_of(uint64_t value_ns) {
  if (value_ns < (2u << kSubBits)) return static_cast<int>(value_ns);
  const int msb = 63 - std::countl_zero(value_ns);
  const int shift = msb - kSubBits;
  const int index = (1 << kSubBits) * shift + static_cast<int>(value_ns >> shift);
  return std::min(index, kBuckets - 1);
}

uint64_t LatencyHistogram::lower_bound_of(int bucket) {
  if (bucket < (2 << kSubBits)) return static_cast<uint64_t>(bucket);
  const int shift = bucket / (1 << kSubBits) - 1;
  const uint64_t mantissa = static_cast<uint64_t>(bucket - (1 << kSubBits) * shift);
  return mantissa << shift;
}

void LatencyHistogram::record(uint64_t value_ns) {
  ++buckets_[static_cast<size_t>(bucket_of(value_ns))];
  ++count_;
  sum_ns_ += value_ns;
  min_ns_ = std::min(min_ns_, value_ns);
  max_ns_ = std::max(max_ns_, value_ns);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < buckets_.size(); ++i)
    buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ns_ += other.sum_ns_;
  min_ns_ = std::min(min_ns_, other.min_ns_);
  max_ns_ = std::max(max_ns_, other.max_ns_);
}

uint64_t LatencyHistogram::percentile_ns(double fraction) const {
  if (count_ == 0) return 0;
  const double wanted = std::ceil(std::clamp(fraction, 0.0, 1.0) * static_cast<double>(count_));
  const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(wanted));
  uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += buckets_[static_cast<size_t>(b)];
    if (seen < rank) continue;
    const uint64_t low = lower_bound_of(b);
    const uint64_t high = b + 1 < kBuckets ? lower_bound_of(b + 1) : low;
    const uint64_t mid = low + (high - low) / 2;
    return std::clamp(mid, min_ns(), max_ns_);
  }
  return max_ns_;
}

}  // namespace bench
