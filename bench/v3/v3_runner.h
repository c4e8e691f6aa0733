// Runner: every workload of v3_bench against a fresh cluster of each server. For each
// workload it starts one cluster of every server side by side (identical flags, data on
// the real disk), fills the keys the range workloads read, runs the workload
// `repetitions` times per server interleaved A B, B A, ... so that load from other
// processes on the machine hits both alike, and stops the clusters. Progress goes to
// stderr, one line per run.
//
// Thread: main thread only.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bench/common/latency_histogram.h"
#include "bench/common/run_result.h"
#include "bench/common/server_cluster.h"
#include "bench/v3/v3_options.h"

namespace bench::v3 {

struct Cell {
  Workload workload = Workload::put;
  uint32_t concurrency = 0;  // requests in flight; for watch, the watchers
  int members = 0;
  std::map<ServerKind, std::vector<RunResult>> runs;
  std::map<ServerKind, LatencyHistogram> from_send;  // watch: fan-out from the Put's send
};

// Every cell; false (with `error`) when a cluster could not be started or filled.
bool run_cells(const Options& options, std::vector<Cell>& cells, std::string* error);

}  // namespace bench::v3
