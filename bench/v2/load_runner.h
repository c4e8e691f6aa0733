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

#include "bench/common/run_result.h"
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

RunResult run_load(const LoadPlan& plan);

}  // namespace bench
