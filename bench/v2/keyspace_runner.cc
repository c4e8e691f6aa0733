#include "bench/v2/keyspace_runner.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "bench/common/http_probe.h"
#include "bench/common/system_info.h"
#include "bench/v2/load_runner.h"
#include "bench/v2/matrix_runner.h"
#include "bench/v2/snapshot_probe.h"

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kLoadChunk = 100'000;  // progress is printed per chunk

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Polls `target` every 5 ms until it answers 200; seconds since `start`, or -1 at 300 s.
double time_until_ok(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& target,
                     Clock::time_point start) {
  while (since(start) < 300) {
    auto r = http_call(endpoint, "GET", target, {}, std::chrono::seconds(2));
    if (r && r->status == 200) return since(start);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return -1;
}

std::vector<ServerKind> order_for(std::vector<ServerKind> servers, int round) {
  if (round % 2 == 1) std::reverse(servers.begin(), servers.end());
  return servers;
}

}  // namespace

bool KeyspaceRunner::run(std::vector<KeyspaceResult>& results, std::string* error) {
  for (ServerKind kind : options_.servers) {
    const auto root = fmt::format("{}/keyspace-{}", options_.data_dir, server_name(kind));
    auto cluster = std::make_unique<ServerCluster>(cluster_config(options_, kind, 1, root));
    if (!cluster->start(error)) return false;
    clusters_[kind] = std::move(cluster);
  }
  uint64_t loaded = 0;
  int round = 0;
  for (uint64_t keys : options_.keyspace_keys) {
    if (keys <= loaded) continue;
    std::map<ServerKind, KeyspaceResult> step;
    for (ServerKind kind : order_for(options_.servers, round++)) {
      step[kind].kind = kind;
      step[kind].keys = keys;
      if (!load(kind, loaded, keys, step[kind])) {
        *error = fmt::format("{}: loading keys: {}", server_name(kind), step[kind].note);
        return false;
      }
      const ServerCluster& c = *clusters_[kind];
      step[kind].rss_after_load_bytes = process_rss_bytes(c.pid(0));
      step[kind].data_dir_bytes = directory_disk_bytes(c.data_dir(0));
    }
    loaded = keys;
    for (int r = 0; r < options_.restarts; ++r) {
      for (ServerKind kind : order_for(options_.servers, round++)) time_restart(kind, step[kind]);
    }
    for (ServerKind kind : order_for(options_.servers, round++)) time_snapshot(kind, step[kind]);
    for (auto& [kind, result] : step) results.push_back(std::move(result));
  }
  clusters_.clear();
  return true;
}

bool KeyspaceRunner::load(ServerKind kind, uint64_t from, uint64_t to, KeyspaceResult& result) {
  ServerCluster& cluster = *clusters_[kind];
  double seconds = 0;
  for (uint64_t at = from; at < to;) {
    const uint64_t end = std::min(to, at + kLoadChunk);
    KeySequence sequence(at, end);
    LoadPlan plan{.workload = Workload::load, .endpoints = cluster.client_endpoints(),
                  .connections = options_.load_connections, .sequence = &sequence,
                  .run_tag = "load", .server_pids = cluster.pids()};
    RunResult r = run_load(plan);
    seconds += r.seconds;
    result.load_errors += r.errors;
    if (r.errors && r.ops == 0) {
      result.note = r.first_error;
      return false;
    }
    std::cerr << fmt::format("  {:>5} loaded {} keys ({:.0f} keys/s, load {:.1f})\n",
                             server_name(kind), end, r.ops_per_s(), r.load_average);
    at = end;
  }
  result.load_ops_per_s = seconds > 0 ? static_cast<double>(to - from) / seconds : 0;
  return true;
}

bool KeyspaceRunner::restart(ServerKind kind, uint64_t snapshot_count, std::string* error) {
  ServerCluster& cluster = *clusters_[kind];
  cluster.stop_member(0);
  cluster.mutable_config().snapshot_count = snapshot_count;
  if (!cluster.start_member(0, error)) return false;
  return cluster.wait_serving(Clock::now() + std::chrono::seconds(300), error);
}

void KeyspaceRunner::time_restart(ServerKind kind, KeyspaceResult& result) {
  ServerCluster& cluster = *clusters_[kind];
  cluster.stop_member(0);
  std::string error;
  const auto start = Clock::now();
  if (!cluster.start_member(0, &error)) {
    result.note = error;
    return;
  }
  const auto endpoint = cluster.client_endpoint(0);
  const double read_s = time_until_ok(endpoint, "/v2/keys/bench/load/0/0", start);
  const double serve_s = time_until_ok(endpoint, "/v2/keys/bench/load/0/0?quorum=true", start);
  result.restart_read_s.push_back(read_s);
  result.restart_serve_s.push_back(serve_s);
  result.rss_after_restart_bytes = process_rss_bytes(cluster.pid(0));
  std::cerr << fmt::format("  {:>5} {} keys: restart serves reads after {:.2f} s, quorum reads "
                           "after {:.2f} s\n",
                           server_name(kind), result.keys, read_s, serve_s);
}

void KeyspaceRunner::time_snapshot(ServerKind kind, KeyspaceResult& result) {
  ServerCluster& cluster = *clusters_[kind];
  std::string error;
  if (!restart(kind, kSnapshotProbeCount, &error)) {
    result.note = "snapshot probe: " + error;
    return;
  }
  const auto offset = std::filesystem::file_size(cluster.log_path(0));
  SnapshotTiming t = bench::probe_snapshot(cluster.client_endpoint(0), cluster.log_path(0), offset,
                                    3 * kSnapshotProbeCount);
  result.snapshot_s = t.seconds;
  result.snapshot_stall_s = t.stall_s;
  if (!t.note.empty()) result.note += (result.note.empty() ? "" : "; ") + t.note;
  std::cerr << fmt::format("  {:>5} {} keys: snapshot at index {} took {:.3f} s (write stall "
                           "{:.3f} s) {}\n",
                           server_name(kind), result.keys, t.index, t.seconds, t.stall_s, t.note);
  if (!restart(kind, options_.snapshot_count, &error)) result.note += "; restore: " + error;
}

}  // namespace bench
