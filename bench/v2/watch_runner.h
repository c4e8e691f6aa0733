// Watch fan-out: `watchers` long-poll watches (GET ...?wait=true&waitIndex=N, one
// connection each, spread over the members) on one key, and 1 writer. A round arms every
// watcher, waits until each has its response headers (the watch is registered), then the
// writer PUTs the key and the round lasts until every watcher has the event. Rounds repeat
// for `measure_s` (at least `rounds_min`).
//
// Result: `latency` holds one value per round, the fan-out time (write sent -> the last
// watcher has the event); `ops` counts delivered events, so ops/s is notifications per
// second including re-arming. CPU is sampled over all rounds.
//
// Threads: the watchers are split over `client_threads` shards, each with its own
// io_context and a thread per phase (arm, collect), so one client thread reading every
// response does not bound the fan-out time; the writer runs on the calling thread.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "bench/v2/load_runner.h"

namespace bench {

struct WatchPlan {
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  uint32_t watchers = 1000;
  uint32_t client_threads = 2;
  double measure_s = 5;
  uint32_t rounds_min = 3;
  uint32_t rounds_max = 200;
  std::string run_tag;
  std::vector<pid_t> server_pids;
  std::function<void()> on_window_start;  // --hook-start / --hook-end (profiling)
  std::function<void()> on_window_end;
};

RunResult run_watch(const WatchPlan& plan);

}  // namespace bench
