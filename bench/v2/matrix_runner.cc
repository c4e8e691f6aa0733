#include "bench/v2/matrix_runner.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "bench/common/http_probe.h"
#include "bench/common/system_info.h"
#include "bench/v2/watch_runner.h"

namespace bench {

namespace {

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::string replace_all(std::string text, std::string_view from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

void print_run(ServerKind kind, const CellResult& cell, int repetition, const RunResult& r) {
  std::cerr << fmt::format(
      "  {:>5} {:<12} c={:<4} m={} rep {}: {:>8.0f} ops/s  p50 {:>7.2f} ms  p99 {:>7.2f} ms  "
      "cpu {:.3f} s/kop  client {:.2f} cores  load {:.1f}{}\n",
      server_name(kind), workload_name(cell.workload), cell.connections, cell.members,
      repetition + 1, r.ops_per_s(), r.latency.percentile_ns(0.5) / 1e6,
      r.latency.percentile_ns(0.99) / 1e6, r.server_cpu_per_kop(), r.client_cores(),
      r.load_average, r.errors ? fmt::format("  ERRORS {} ({})", r.errors, r.first_error) : "");
}

}  // namespace

ClusterConfig cluster_config(const BenchOptions& options, ServerKind kind, int members,
                             const std::string& data_root) {
  ClusterConfig c;
  c.kind = kind;
  c.binary = kind == ServerKind::etcd2 ? options.etcd2_path : options.etcd_path;
  if (kind == ServerKind::etcd2) c.wrapper = split_words(options.etcd2_wrapper);
  c.members = members;
  c.data_root = data_root;
  c.heartbeat_ms = options.heartbeat_ms;
  c.election_ms = options.election_ms;
  c.snapshot_count = options.snapshot_count;
  return c;
}

bool MatrixRunner::start_clusters(int members, std::string* error) {
  clusters_.clear();
  for (ServerKind kind : options_.servers) {
    const auto root = fmt::format("{}/matrix-{}-{}", options_.data_dir, server_name(kind), members);
    auto cluster = std::make_unique<ServerCluster>(cluster_config(options_, kind, members, root));
    if (!cluster->start(error)) return false;
    KeySequence fill(0, kGetKeys);  // the keys the GET workloads read
    LoadPlan plan{.workload = Workload::fill, .endpoints = cluster->client_endpoints(),
                  .connections = 16, .sequence = &fill, .run_tag = "fill"};
    RunResult filled = run_load(plan);
    if (filled.errors) {
      *error = fmt::format("{}: filling the GET keys: {}", server_name(kind), filled.first_error);
      return false;
    }
    std::cerr << fmt::format("{} x{} up (leader m{}, pids", server_name(kind), members,
                             cluster->leader());
    for (pid_t pid : cluster->pids()) std::cerr << ' ' << pid;
    std::cerr << ")\n";
    clusters_[kind] = std::move(cluster);
  }
  return true;
}

bool MatrixRunner::run(std::vector<CellResult>& cells, std::string* error) {
  for (int members : options_.members) {
    if (!start_clusters(members, error)) return false;
    run_cells(members, cells);
    clusters_.clear();
  }
  return true;
}

void MatrixRunner::run_cells(int members, std::vector<CellResult>& cells) {
  for (Workload workload : options_.workloads) {
    const bool watch = workload == Workload::watch;
    for (uint32_t connections : options_.connections) {
      CellResult cell{workload, watch ? options_.watchers : connections, members, {}};
      for (int rep = 0; rep < options_.repetitions; ++rep) {
        auto order = options_.servers;
        if (rep % 2 == 1) std::reverse(order.begin(), order.end());  // A B, B A, ...
        for (ServerKind kind : order) {
          RunResult r = run_once(kind, cell, rep);
          print_run(kind, cell, rep, r);
          cell.runs[kind].push_back(std::move(r));
        }
      }
      cells.push_back(std::move(cell));
      if (watch) break;  // the watcher count, not the connection list, sizes this cell
    }
  }
}

RunResult MatrixRunner::run_once(ServerKind kind, const CellResult& cell, int repetition) {
  ServerCluster& cluster = *clusters_.at(kind);
  const std::string tag = fmt::format("r{}", ++run_counter_);
  if (cell.workload == Workload::watch) {
    WatchPlan plan{.endpoints = cluster.client_endpoints(),
                   .watchers = options_.watchers,
                   .client_threads = std::max<uint32_t>(2, options_.client_threads),
                   .measure_s = options_.seconds,
                   .run_tag = tag,
                   .server_pids = cluster.pids()};
    plan.on_window_start = hook(options_.hook_start, cluster);
    plan.on_window_end = hook(options_.hook_end, cluster);
    return run_watch(plan);
  }
  LoadPlan plan{.workload = cell.workload,
                .endpoints = cluster.client_endpoints(),
                .connections = cell.connections,
                .client_threads = options_.client_threads,
                .warmup_s = options_.warmup_s,
                .measure_s = options_.seconds,
                .run_tag = tag,
                .server_pids = cluster.pids()};
  plan.on_window_start = hook(options_.hook_start, cluster);
  plan.on_window_end = hook(options_.hook_end, cluster);
  (void)repetition;
  return run_load(plan);
}

std::function<void()> MatrixRunner::hook(const std::string& command,
                                         const ServerCluster& cluster) const {
  if (command.empty()) return {};
  return [this, &command, &cluster] { run_hook(command, cluster); };
}

void MatrixRunner::run_hook(const std::string& command, const ServerCluster& cluster) const {
  const int leader = cluster.leader();
  std::string pids;
  for (pid_t pid : cluster.pids()) pids += (pids.empty() ? "" : " ") + std::to_string(pid);
  std::string line = replace_all(command, "{pids}", pids);
  line = replace_all(line, "{leader}", std::to_string(leader >= 0 ? cluster.pid(leader) : 0));
  if (std::system(line.c_str()) != 0) std::cerr << "hook failed: " << line << "\n";
}

}  // namespace bench
