// run_load: one timed run of a closed-loop v3 workload (put, range, range-serializable,
// txn) over gRPC's asynchronous API. `inflight` slots each keep one request in flight:
// send, wait for the response, send the next. Slot s uses channel s % channels (the
// channels are spread over the members) and client thread s % client_threads, each thread
// with its own completion queue. In duration mode, responses during the warm-up are not
// counted and the measured window lasts `measure_s`; in count mode (fill) the run ends
// once `sequence` is used up, and all of it is measured.
//
// Around the window it samples the CPU time of every server process and of this client,
// the load average, and at its end the members' RSS.
//
// Threads: `client_threads` workers; the calling thread only samples clocks and joins.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/common/run_result.h"
#include "bench/v3/v3_client.h"

namespace bench::v3 {

// The key numbers a fill hands out, shared by its slots.
struct KeySequence {
  KeySequence(uint64_t first, uint64_t end_) : next(first), end(end_) {}
  std::atomic<uint64_t> next;
  uint64_t end;  // exclusive
};

struct LoadPlan {
  Workload workload = Workload::put;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  uint32_t inflight = 64;
  uint32_t channels = 12;
  uint32_t client_threads = 2;
  double warmup_s = 1;
  double measure_s = 5;
  KeySequence* sequence = nullptr;  // non-null: count mode
  std::string run_tag;              // makes this run's keys distinct from earlier runs'
  std::vector<pid_t> server_pids;
};

RunResult run_load(const LoadPlan& plan);

}  // namespace bench::v3
