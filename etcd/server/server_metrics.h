// The member's instruments, named as etcd names them so existing dashboards keep working.
// Written by the core (strand) and the HTTP layer (any thread); rendered for /metrics.
#pragma once

#include <string>

#include "etcd/common/metrics.h"

namespace etcd::server {

struct ServerMetrics {
  metrics::Gauge has_leader;
  metrics::Gauge is_leader;
  metrics::Counter leader_changes;
  metrics::Gauge proposals_committed;  // commit index
  metrics::Gauge proposals_applied;    // applied index
  metrics::Counter proposals_failed;
  metrics::Gauge proposals_pending;
  // etcd: ExponentialBuckets(0.001, 2, 14)
  metrics::Histogram wal_fsync_seconds{metrics::Histogram::exponential(0.001, 2, 14)};
  metrics::Histogram backend_commit_seconds{metrics::Histogram::exponential(0.001, 2, 14)};
  metrics::Counter snapshots_saved;
  metrics::LabeledCounter http_received{"method"};
  metrics::LabeledCounter http_responses{"code"};
  metrics::Gauge store_watchers;

  std::string render() const;
};

}  // namespace etcd::server
