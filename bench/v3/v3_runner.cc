#include "bench/v3/v3_runner.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "bench/v3/v3_load.h"
#include "bench/v3/v3_watch.h"

namespace bench::v3 {
namespace {

void print_run(ServerKind kind, const Cell& cell, int repetition, const RunResult& r) {
  std::cerr << fmt::format(
      "  {:>5} {:<18} c={:<4} m={} rep {}: {:>8.0f} ops/s  p50 {:>7.2f} ms  p99 {:>7.2f} ms  "
      "cpu {:.3f} s/kop  rss {:.0f} MiB  client {:.2f} cores  load {:.1f}{}\n",
      server_name(kind), workload_name(cell.workload), cell.concurrency, cell.members,
      repetition + 1, r.ops_per_s(), r.latency.percentile_ns(0.5) / 1e6,
      r.latency.percentile_ns(0.99) / 1e6, r.server_cpu_per_kop(),
      static_cast<double>(r.server_rss_bytes) / (1 << 20), r.client_cores(), r.load_average,
      r.errors ? fmt::format("  ERRORS {} ({})", r.errors, r.first_error) : "");
}

ClusterConfig cluster_config(const Options& o, ServerKind kind, const std::string& root) {
  ClusterConfig c;
  c.kind = kind;
  c.binary = kind == ServerKind::etcd2 ? o.etcd2_path : o.etcd_path;
  c.members = o.members;
  c.data_root = root;
  c.heartbeat_ms = o.heartbeat_ms;
  c.election_ms = o.election_ms;
  c.snapshot_count = o.snapshot_count;
  return c;
}

bool reads_keys(Workload w) {
  return w == Workload::range || w == Workload::range_serializable;
}

// Fresh clusters for one workload, filled when it reads.
bool start_clusters(const Options& o, Workload workload,
                    std::map<ServerKind, std::unique_ptr<ServerCluster>>& clusters,
                    std::string* error) {
  for (ServerKind kind : o.servers) {
    const auto root =
        fmt::format("{}/{}-{}", o.data_dir, workload_name(workload), server_name(kind));
    auto cluster = std::make_unique<ServerCluster>(cluster_config(o, kind, root));
    if (!cluster->start(error)) return false;
    if (reads_keys(workload)) {
      KeySequence fill(0, kGetKeys);
      RunResult filled = run_load({.workload = Workload::fill,
                                   .endpoints = cluster->client_endpoints(),
                                   .inflight = 16,
                                   .channels = std::min<uint32_t>(o.channels, 16),
                                   .client_threads = 1,
                                   .sequence = &fill,
                                   .run_tag = "fill"});
      if (filled.errors || filled.ops != kGetKeys) {
        *error = fmt::format("{}: filling the range keys ({} of {}): {}", server_name(kind),
                             filled.ops, kGetKeys, filled.first_error);
        return false;
      }
    }
    std::cerr << fmt::format("{} x{} up for {} (leader m{}, pids", server_name(kind), o.members,
                             workload_name(workload), cluster->leader());
    for (pid_t pid : cluster->pids())
      std::cerr << ' ' << pid;
    std::cerr << ")\n";
    clusters[kind] = std::move(cluster);
  }
  return true;
}

}  // namespace

bool run_cells(const Options& o, std::vector<Cell>& cells, std::string* error) {
  int run_counter = 0;
  for (Workload workload : o.workloads) {
    std::map<ServerKind, std::unique_ptr<ServerCluster>> clusters;
    if (!start_clusters(o, workload, clusters, error)) return false;
    const bool watch = workload == Workload::watch;
    Cell cell{workload, watch ? o.watchers : o.inflight, o.members, {}, {}};
    for (int rep = 0; rep < o.repetitions; ++rep) {
      auto order = o.servers;
      if (rep % 2 == 1) std::reverse(order.begin(), order.end());  // A B, B A, ...
      for (ServerKind kind : order) {
        const ServerCluster& cluster = *clusters.at(kind);
        const std::string tag = fmt::format("r{}", ++run_counter);
        RunResult r;
        if (watch) {
          WatchResult w = run_watch({.endpoints = cluster.client_endpoints(),
                                     .watchers = o.watchers,
                                     .channels = o.channels,
                                     .client_threads = o.client_threads,
                                     .measure_s = o.seconds,
                                     .run_tag = tag,
                                     .server_pids = cluster.pids()});
          cell.from_send[kind].merge(w.from_send);
          r = std::move(w.run);
        } else {
          r = run_load({.workload = workload,
                        .endpoints = cluster.client_endpoints(),
                        .inflight = o.inflight,
                        .channels = o.channels,
                        .client_threads = o.client_threads,
                        .warmup_s = o.warmup_s,
                        .measure_s = o.seconds,
                        .run_tag = tag,
                        .server_pids = cluster.pids()});
        }
        print_run(kind, cell, rep, r);
        cell.runs[kind].push_back(std::move(r));
      }
    }
    cells.push_back(std::move(cell));
    for (auto& [kind, cluster] : clusters) {
      cluster->stop();
      if (!o.keep_data) {
        std::error_code ignored;
        std::filesystem::remove_all(cluster->config().data_root, ignored);
      }
    }
  }
  return true;
}

}  // namespace bench::v3
