// RunResult: what one timed run of a workload measured, the same for every benchmark:
// completed operations and errors over the measured window, their latencies, the CPU the
// servers and the client spent meanwhile, and the machine's load.
#pragma once

#include <cstdint>
#include <string>

#include "bench/common/latency_histogram.h"

namespace bench {

struct RunResult {
  uint64_t ops = 0;
  uint64_t errors = 0;
  double seconds = 0;
  LatencyHistogram latency;
  double server_cpu_s = 0;
  double client_cpu_s = 0;
  double load_average = 0;  // at the end of the window
  std::string first_error;
  uint64_t server_rss_bytes = 0;  // all members at the end of the window; 0: not sampled

  double ops_per_s() const { return seconds > 0 ? static_cast<double>(ops) / seconds : 0; }
  // Server CPU seconds per 1000 operations, over all members.
  double server_cpu_per_kop() const { return ops > 0 ? server_cpu_s * 1000 / ops : 0; }
  // Share of one core the client used during the window (1.0 = one core busy).
  double client_cores() const { return seconds > 0 ? client_cpu_s / seconds : 0; }
};

}  // namespace bench
