// LoadRunner: one timed run of a closed-loop workload. `connections` keep-alive
// connections (spread round-robin over the members' client endpoints) each send a request,
// wait for its response, and send the next one. In duration mode, responses during the
// warm-up are not counted; the measured window then lasts `measure_s`. In count mode (fill,
// load) the run ends once the KeySequence is used up, and all of it is measured.
//
// Around the measured window it samples the CPU time of every server process and of this
// client, and the load average, so each result carries its own cost and context.
//
// Threads: `client_threads` workers, each with its own io_context and histogram; the
// calling thread only samples clocks and joins them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/v2/latency_histogram.h"
#include "bench/v2/request_source.h"
#include "etcd/common/asio.h"

namespace bench {

struct LoadPlan {
  Workload workload = Workload::put_distinct;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  uint32_t connections = 1;
  uint32_t client_threads = 1;
  double warmup_s = 1;
  double measure_s = 5;
  KeySequence* sequence = nullptr;  // non-null: count mode
  std::string run_tag;              // makes this run's keys distinct from earlier runs'
  std::vector<pid_t> server_pids;
  // Profiling hooks, run on the calling thread as the measured window starts and ends.
  std::function<void()> on_window_start;
  std::function<void()> on_window_end;
};

struct RunResult {
  uint64_t ops = 0;
  uint64_t errors = 0;
  double seconds = 0;
  LatencyHistogram latency;
  double server_cpu_s = 0;
  double client_cpu_s = 0;
  double load_average = 0;  // at the end of the window
  std::string first_error;

  double ops_per_s() const { return seconds > 0 ? static_cast<double>(ops) / seconds : 0; }
  // Server CPU seconds per 1000 operations, over all members.
  double server_cpu_per_kop() const { return ops > 0 ? server_cpu_s * 1000 / ops : 0; }
  // Share of one core the client used during the window (1.0 = one core busy).
  double client_cores() const { return seconds > 0 ? client_cpu_s / seconds : 0; }
};

RunResult run_load(const LoadPlan& plan);

}  // namespace bench
