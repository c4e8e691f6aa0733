// The pieces the benchmark tables are made of (markdown, so docs/performance.md can take
// them as they are). Repetitions of a cell are combined: ops/s is their median (± half the
// spread), latency percentiles come from the merged histograms, CPU per 1000 ops from the
// summed CPU and ops, RSS is the largest sample.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/common/latency_histogram.h"
#include "bench/common/run_result.h"

namespace bench {

struct Combined {
  bool present = false;
  double ops_per_s = 0;
  double spread = 0;  // half of (max - min) / median
  LatencyHistogram latency;
  double cpu_per_kop = 0;
  double client_cores = 0;
  double load = 0;
  uint64_t errors = 0;
  uint64_t rss_bytes = 0;  // the largest server_rss_bytes of the runs
};

Combined combine(const std::vector<RunResult>& runs);

// Milliseconds with 2, 1 or 0 decimals as the value grows.
std::string ms(uint64_t ns);
// "p50 / p99 / p99.9" in ms, "—" when absent.
std::string latencies(const Combined& c);
// "ops/s ±spread%", "—" when absent.
std::string rate(const Combined& c);
// a / b with 2 decimals, "—" unless both are positive.
std::string ratio(double a, double b);
std::string mib(uint64_t bytes);

}  // namespace bench
