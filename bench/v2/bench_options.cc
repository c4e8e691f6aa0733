#include "bench/v2/bench_options.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#ifndef CORESTACK_ETCD2_PATH
#define CORESTACK_ETCD2_PATH ""
#endif

namespace bench {
namespace {

std::string self_dir() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : self.parent_path().string();
}

// The etcd2 beside this build: compiled in, else ../etcd/cmd/etcd2 from our own path.
std::string default_etcd2() {
  if (std::filesystem::exists(CORESTACK_ETCD2_PATH)) return CORESTACK_ETCD2_PATH;
  return self_dir() + "/../etcd/cmd/etcd2";
}

[[noreturn]] void bad(const std::string& what) {
  std::cerr << "v2_bench: " << what << "\n";
  std::exit(2);
}

void apply_lists(BenchOptions& o, const std::vector<std::string>& workloads,
                 const std::vector<std::string>& servers) {
  if (!workloads.empty()) {
    o.workloads.clear();
    for (const auto& name : workloads) {
      auto w = parse_workload(name);
      if (!w || *w == Workload::fill || *w == Workload::load) bad("unknown workload " + name);
      o.workloads.push_back(*w);
    }
  }
  if (!servers.empty()) {
    o.servers.clear();
    for (const auto& s : servers) {
      if (s != "etcd2" && s != "etcd") bad("unknown server " + s + " (etcd2, etcd)");
      o.servers.push_back(s == "etcd2" ? ServerKind::etcd2 : ServerKind::etcd);
    }
  }
}

// --full changes the defaults, not what was given explicitly.
void apply_full(BenchOptions& o, const CLI::App& app) {
  if (app.count("--connections") == 0) o.connections = {1, 16, 64};
  if (app.count("--members") == 0) o.members = {1, 3};
  if (app.count("--seconds") == 0) o.seconds = 5;
  if (app.count("--keys") == 0) o.keyspace_keys = {100'000};
}

}  // namespace

BenchOptions parse_options(int argc, char** argv) {
  BenchOptions o;
  o.etcd2_path = default_etcd2();
  o.data_dir = self_dir() + "/v2-bench-data";
  bool full = false, keys_1m = false, no_etcd = false;
  std::vector<std::string> workloads, servers;
  CLI::App app{"v2_bench: etcd2 next to the real etcd on the v2 API (issue 8)"};
  app.add_flag("--full", full, "the whole matrix: 1/16/64 connections, 1 and 3 members, 5 s cells, "
                               "and the 100k-key phase");
  app.add_flag("--keys-1m", keys_1m, "with --full (or --keys): also load 1M keys");
  app.add_option("--keys", o.keyspace_keys, "keyspace phase: load these key counts (cumulative)");
  app.add_option("--etcd2", o.etcd2_path, "etcd2 binary")->capture_default_str();
  app.add_option("--etcd", o.etcd_path, "real etcd binary (3.4, --enable-v2)")->capture_default_str();
  app.add_flag("--no-etcd", no_etcd, "run etcd2 only");
  bool no_matrix = false;
  app.add_flag("--no-matrix", no_matrix, "skip the throughput matrix (keyspace phase only)");
  app.add_option("--servers", servers, "etcd2 and/or etcd");
  app.add_option("--workloads", workloads,
                 "put-distinct put-hot get get-quorum cas watch");
  app.add_option("--connections", o.connections, "connection counts")->capture_default_str();
  app.add_option("--members", o.members, "cluster sizes")->capture_default_str();
  app.add_option("--seconds", o.seconds, "measured seconds per cell and run")->capture_default_str();
  app.add_option("--warmup", o.warmup_s, "unmeasured seconds before each run")->capture_default_str();
  app.add_option("--reps", o.repetitions, "runs per cell and server, interleaved")
      ->capture_default_str();
  app.add_option("--watchers", o.watchers, "watchers of the watch workload")->capture_default_str();
  app.add_option("--client-threads", o.client_threads, "load generator threads")
      ->capture_default_str();
  app.add_option("--data-dir", o.data_dir, "where members keep their data (real disk)")
      ->capture_default_str();
  app.add_flag("--keep-data", o.keep_data, "leave data dirs and logs behind");
  app.add_flag("--allow-tmpfs", o.allow_tmpfs, "accept a data dir on tmpfs (numbers then lie)");
  app.add_option("--heartbeat-interval", o.heartbeat_ms, "ms, both servers")->capture_default_str();
  app.add_option("--election-timeout", o.election_ms, "ms, both servers")->capture_default_str();
  app.add_option("--snapshot-count", o.snapshot_count, "both servers")->capture_default_str();
  app.add_option("--restarts", o.restarts, "restarts timed per keyspace size and server")
      ->capture_default_str();
  app.add_option("--wrap-etcd2", o.etcd2_wrapper, "command prefix for etcd2 members (profiling)");
  app.add_option("--hook-start", o.hook_start, "shell command at each window start ({leader}, {pids})");
  app.add_option("--hook-end", o.hook_end, "shell command at each window end");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e));
  }
  if (full) apply_full(o, app);
  if (keys_1m) o.keyspace_keys.push_back(1'000'000);
  apply_lists(o, workloads, servers);
  if (no_etcd) std::erase(o.servers, ServerKind::etcd);
  o.matrix = !no_matrix;
  return o;
}

}  // namespace bench
