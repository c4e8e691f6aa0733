#include "etcd/server/server_metrics.h"

namespace etcd::server {

using metrics::header;
using metrics::sample;

std::string ServerMetrics::render() const {
  std::string out;
  auto gauge = [&out](const char* name, const char* help, double v) {
    header(out, name, "gauge", help);
    sample(out, name, v);
  };
  auto counter = [&out](const char* name, const char* help, double v) {
    header(out, name, "counter", help);
    sample(out, name, v);
  };
  gauge("etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.",
        static_cast<double>(has_leader.value()));
  gauge("etcd_server_is_leader", "Whether or not this member is a leader. 1 if is, 0 otherwise.",
        static_cast<double>(is_leader.value()));
  counter("etcd_server_leader_changes_seen_total", "The number of leader changes seen.",
          static_cast<double>(leader_changes.value()));
  gauge("etcd_server_proposals_committed_total", "The total number of consensus proposals committed.",
        static_cast<double>(proposals_committed.value()));
  gauge("etcd_server_proposals_applied_total", "The total number of consensus proposals applied.",
        static_cast<double>(proposals_applied.value()));
  gauge("etcd_server_proposals_pending", "The current number of pending proposals to commit.",
        static_cast<double>(proposals_pending.value()));
  counter("etcd_server_proposals_failed_total", "The total number of failed proposals seen.",
          static_cast<double>(proposals_failed.value()));
  counter("etcd_debugging_snap_save_total", "The total number of snapshots saved.",
          static_cast<double>(snapshots_saved.value()));
  gauge("etcd_debugging_store_watchers", "Count of currently active watchers.",
        static_cast<double>(store_watchers.value()));
  header(out, "etcd_disk_wal_fsync_duration_seconds", "histogram",
         "The latency distributions of fsync called by WAL.");
  wal_fsync_seconds.render(out, "etcd_disk_wal_fsync_duration_seconds");
  header(out, "etcd_disk_backend_commit_duration_seconds", "histogram",
         "The latency distributions of commit called by backend.");
  backend_commit_seconds.render(out, "etcd_disk_backend_commit_duration_seconds");
  header(out, "etcd_http_received_total", "counter",
         "Counter of requests received into the system (successfully parsed and authd).");
  http_received.render(out, "etcd_http_received_total");
  header(out, "etcd_http_responses_total", "counter", "Counter of responses sent, by status code.");
  http_responses.render(out, "etcd_http_responses_total");
  return out;
}

}  // namespace etcd::server
