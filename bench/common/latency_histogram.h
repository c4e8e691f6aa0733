// LatencyHistogram: an HdrHistogram-like record of latencies in nanoseconds. Values below
// 128 ns have a bucket each; above, every power of two is split into 64 linear sub-buckets,
// so a percentile is exact to within 1/64 (1.6 %) of its value, from 1 ns up to 2^40 ns
// (18 minutes; larger values land in the last bucket). Recording is O(1), no allocation.
//
// Not thread-safe: one histogram per client thread, merged afterwards.
#pragma once

#include <array>
#include <cstdint>

namespace bench {

class LatencyHistogram {
 public:
  void record(uint64_t value_ns);
  void merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  uint64_t max_ns() const { return max_ns_; }
  uint64_t min_ns() const { return count_ == 0 ? 0 : min_ns_; }
  double mean_ns() const { return count_ == 0 ? 0 : static_cast<double>(sum_ns_) / count_; }
  // The value below which `fraction` (0..1) of the recorded values lie: the midpoint of
  // the bucket holding that rank, clamped to [min, max]. 0 when nothing was recorded.
  uint64_t percentile_ns(double fraction) const;

 private:
  static constexpr int kSubBits = 6;  // 64 sub-buckets per power of two
  static constexpr int kBuckets = (1 << kSubBits) * 36;
  static int bucket_of(uint64_t value_ns);
  static uint64_t lower_bound_of(int bucket);

  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t sum_ns_ = 0;
  uint64_t min_ns_ = UINT64_MAX;
  uint64_t max_ns_ = 0;
};

}  // namespace bench
