#include "etcd/mvcc/auto_compaction.h"

#include <gtest/gtest.h>

#include <vector>

namespace etcd::mvcc {
namespace {

constexpr int64_t kMinute = kNanosPerHour / 60;

TEST(MvccAutoCompaction, Intervals) {
  EXPECT_EQ(periodic_compaction_interval_ns(kNanosPerHour * 5), kNanosPerHour);
  EXPECT_EQ(periodic_compaction_interval_ns(10 * kMinute), 10 * kMinute);
  EXPECT_EQ(periodic_sample_interval_ns(kNanosPerHour * 5), 6 * kMinute);
  EXPECT_EQ(periodic_sample_interval_ns(10 * kMinute), kMinute);
}

TEST(MvccAutoCompaction, CompactsToTheRevisionSampledRetentionAgo) {
  // One sample every 6 minutes, the revision growing by 10 each time.
  std::vector<RevisionSample> samples;
  for (int64_t i = 0; i <= 20; ++i)
    samples.push_back({i * 6 * kMinute, 100 + 10 * i});
  const int64_t hour = kNanosPerHour;
  EXPECT_EQ(periodic_compaction_revision(samples, hour, 30 * kMinute, 0), std::nullopt);
  EXPECT_EQ(periodic_compaction_revision(samples, hour, 60 * kMinute, 0), 100);
  EXPECT_EQ(periodic_compaction_revision(samples, hour, 65 * kMinute, 0), 100);
  EXPECT_EQ(periodic_compaction_revision(samples, hour, 120 * kMinute, 0), 200);
  EXPECT_EQ(periodic_compaction_revision(samples, hour, 120 * kMinute, 200), std::nullopt);
  EXPECT_EQ(stale_samples(samples, hour, 120 * kMinute), 10u);
  EXPECT_EQ(stale_samples(samples, hour, 30 * kMinute), 0u);
  EXPECT_EQ(periodic_compaction_revision({}, hour, 120 * kMinute, 0), std::nullopt);
}

}  // namespace
}  // namespace etcd::mvcc
