// Watch fan-out on the v3 API: `watchers` Watch streams (one watch each, on the prefix
// v3bench/watch/<run>/, spread over `channels` channels and so over the members) and one
// writer, which Puts through member 0. A round is one Put of <prefix><round>; it lasts
// until every watcher has the event. Rounds repeat for `measure_s` (at least
// `rounds_min`), after `warmup_rounds` unmeasured ones.
//
// Result: `latency` holds one value per round, the time from the Put's acknowledgment to
// the last watcher having the event (0 when every watcher had it before the
// acknowledgment); `from_send` the same from the moment the Put was sent. `ops` counts
// delivered events, so ops/s is events per second. A round that does not complete in
// 10 s is an error.
//
// Threads: the streams are split over `client_threads` completion queues with a thread
// each; the writer runs on the calling thread.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "bench/common/run_result.h"
#include "bench/v3/v3_client.h"

namespace bench::v3 {

struct WatchPlan {
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;  // the writer uses endpoints[0]
  uint32_t watchers = 1000;
  uint32_t channels = 12;
  uint32_t client_threads = 2;
  uint32_t warmup_rounds = 3;
  double measure_s = 5;
  uint32_t rounds_min = 5;
  std::string run_tag;
  std::vector<pid_t> server_pids;
};

struct WatchResult {
  RunResult run;
  LatencyHistogram from_send;
};

WatchResult run_watch(const WatchPlan& plan);

}  // namespace bench::v3
