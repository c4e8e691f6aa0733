// KeyspaceRunner: memory and disk per key, restart time and snapshot time (issue 8). For
// each server it keeps one 1-member cluster, loads keys into it with 64 connections
// (PUT bench/load/<i/1000>/<i%1000>, 128-byte values) up to each requested count in turn,
// and after each step measures:
//   - RSS of the member and the size of its data dir on disk (as du);
//   - restart: SIGTERM, start again, time until a local GET of a loaded key answers and
//     until a quorum GET does (the member leads again and has replayed its log);
//   - snapshot: restarted with --snapshot-count kSnapshotProbeCount, one connection writes
//     until the log shows "saved snapshot at index N"; the time from the response to the
//     write at raft index N (X-Raft-Index) to that log line's timestamp, and the largest
//     write latency meanwhile (how long serving stalled). Both servers log local time to
//     the microsecond, so the same rule measures both.
// Servers are measured interleaved (A B, B A) and each restart is repeated.
//
// Thread: main thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/common/server_cluster.h"
#include "bench/v2/bench_options.h"

namespace bench {

inline constexpr uint64_t kSnapshotProbeCount = 200;

struct KeyspaceResult {
  ServerKind kind = ServerKind::etcd2;
  uint64_t keys = 0;
  double load_ops_per_s = 0;
  uint64_t load_errors = 0;
  uint64_t rss_after_load_bytes = 0;
  uint64_t rss_after_restart_bytes = 0;
  uint64_t data_dir_bytes = 0;
  std::vector<double> restart_read_s;   // until a local GET of a loaded key answers
  std::vector<double> restart_serve_s;  // until a quorum GET answers
  double snapshot_s = -1;               // -1: not seen
  double snapshot_stall_s = -1;
  std::string note;
};

class KeyspaceRunner {
 public:
  explicit KeyspaceRunner(const BenchOptions& options) : options_(options) {}
  bool run(std::vector<KeyspaceResult>& results, std::string* error);

 private:
  bool load(ServerKind kind, uint64_t from, uint64_t to, KeyspaceResult& result);
  void time_restart(ServerKind kind, KeyspaceResult& result);
  void time_snapshot(ServerKind kind, KeyspaceResult& result);
  bool restart(ServerKind kind, uint64_t snapshot_count, std::string* error);

  const BenchOptions& options_;
  std::map<ServerKind, std::unique_ptr<ServerCluster>> clusters_;
};

}  // namespace bench
