#include "etcd/mvcc/auto_compaction.h"

#include <algorithm>

namespace etcd::mvcc {
namespace {

// Index one past the newest sample taken at or before now - retention.
size_t old_enough_end(std::span<const RevisionSample> samples, int64_t retention_ns,
                      int64_t now_ns) {
  const int64_t cutoff = now_ns - retention_ns;
  auto end = std::upper_bound(samples.begin(), samples.end(), cutoff,
                              [](int64_t t, const RevisionSample& s) { return t < s.time_ns; });
  return static_cast<size_t>(end - samples.begin());
}

}  // namespace

int64_t periodic_compaction_interval_ns(int64_t retention_ns) {
  return std::min(retention_ns, kNanosPerHour);
}

int64_t periodic_sample_interval_ns(int64_t retention_ns) {
  return periodic_compaction_interval_ns(retention_ns) / 10;
}

std::optional<int64_t> periodic_compaction_revision(std::span<const RevisionSample> samples,
                                                    int64_t retention_ns, int64_t now_ns,
                                                    int64_t compact_revision) {
  const size_t end = old_enough_end(samples, retention_ns, now_ns);
  if (end == 0) return std::nullopt;
  const int64_t revision = samples[end - 1].revision;
  if (revision <= compact_revision) return std::nullopt;
  return revision;
}

size_t stale_samples(std::span<const RevisionSample> samples, int64_t retention_ns,
                     int64_t now_ns) {
  const size_t end = old_enough_end(samples, retention_ns, now_ns);
  return end == 0 ? 0 : end - 1;
}

}  // namespace etcd::mvcc
