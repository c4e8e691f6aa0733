// MatrixRunner: the throughput/latency matrix of issue 8. For each cluster size it starts
// one cluster of every server (etcd2, etcd) side by side, fills the keys the GET
// workloads read, and runs every (workload, connections) cell `repetitions` times per
// server, interleaved A B B A ... so that load from other processes on the machine hits
// both alike. Progress goes to stderr, one line per run.
//
// Thread: main thread only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "bench/v2/bench_options.h"
#include "bench/v2/load_runner.h"

namespace bench {

struct CellResult {
  Workload workload = Workload::put_distinct;
  uint32_t connections = 0;
  int members = 0;
  std::map<ServerKind, std::vector<RunResult>> runs;
};

class MatrixRunner {
 public:
  explicit MatrixRunner(const BenchOptions& options) : options_(options) {}

  // Every cell; false (with `error`) when a cluster could not be started.
  bool run(std::vector<CellResult>& cells, std::string* error);

 private:
  bool start_clusters(int members, std::string* error);
  void run_cells(int members, std::vector<CellResult>& cells);
  RunResult run_once(ServerKind kind, const CellResult& cell, int repetition);
  void run_hook(const std::string& command, const ServerCluster& cluster) const;
  // --hook-start/--hook-end as a window callback; empty when the option is not set.
  std::function<void()> hook(const std::string& command, const ServerCluster& cluster) const;

  const BenchOptions& options_;
  std::map<ServerKind, std::unique_ptr<ServerCluster>> clusters_;
  int run_counter_ = 0;
};

// The cluster config both the matrix and the keyspace phase start servers with.
ClusterConfig cluster_config(const BenchOptions& options, ServerKind kind, int members,
                             const std::string& data_root);

}  // namespace bench
