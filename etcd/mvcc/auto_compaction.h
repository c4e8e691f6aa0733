// etcd 3.4's periodic auto-compaction (--auto-compaction-mode=periodic,
// --auto-compaction-retention=<hours or duration>) as pure functions: the caller samples
// the current revision on its own timer, keeps the samples, and asks which revision to
// compact to; the answer is proposed as a CompactionRequest through raft. No clock here.
//
// etcd's compactor samples every min(retention, 1h) / 10, compacts first once `retention`
// has passed since it started, then every min(retention, 1h), each time to the revision it
// sampled `retention` ago, so at least `retention` of history stays readable.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace etcd::mvcc {

inline constexpr int64_t kNanosPerHour = 3'600'000'000'000;

struct RevisionSample {
  int64_t time_ns = 0;
  int64_t revision = 0;
};

// How often to compact: min(retention, 1h).
int64_t periodic_compaction_interval_ns(int64_t retention_ns);
// How often to sample the revision: a tenth of the compaction interval.
int64_t periodic_sample_interval_ns(int64_t retention_ns);

// The revision to compact to at `now_ns`: the newest sample taken at or before
// now - retention, when it is above `compact_revision`; nullopt otherwise (no sample that
// old yet, or nothing new to compact). `samples` are in time order.
std::optional<int64_t> periodic_compaction_revision(std::span<const RevisionSample> samples,
                                                    int64_t retention_ns, int64_t now_ns,
                                                    int64_t compact_revision);

// How many leading samples are no longer needed at `now_ns` (all older than the one
// periodic_compaction_revision would pick): the caller may drop them.
size_t stale_samples(std::span<const RevisionSample> samples, int64_t retention_ns, int64_t now_ns);

}  // namespace etcd::mvcc
