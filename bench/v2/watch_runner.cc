#include "bench/v2/watch_runner.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include <fmt/format.h>

#include "bench/v2/client_connection.h"
#include "bench/v2/system_info.h"

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;

class FanOut {
 public:
  FanOut(const WatchPlan& plan, RunResult& result) : plan_(plan), result_(result) {
    path_ = fmt::format("/v2/keys/bench/watch/{}", plan.run_tag);
  }

  bool connect() {
    for (uint32_t w = 0; w <= plan_.watchers; ++w) {  // the last one is the writer
      const auto& endpoint = plan_.endpoints[w % plan_.endpoints.size()];
      hosts_.push_back(fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port()));
      connections_.push_back(std::make_unique<ClientConnection>(io_, endpoint));
      if (auto ec = connections_.back()->connect()) return fail("connect: " + ec.message());
    }
    return write();  // creates the key; its index is where the first round's watches start
  }

  // One round; false on an error or when a phase took longer than 30 s.
  bool round() {
    armed_ = 0;
    seen_ = 0;
    for (uint32_t w = 0; w < plan_.watchers; ++w) arm(w);
    if (!run_until([this] { return armed_ == plan_.watchers; })) return fail("arming timed out");
    const auto sent = Clock::now();
    last_seen_ = sent;
    if (!write()) return false;
    if (!run_until([this] { return seen_ == plan_.watchers; })) return fail("fan-out timed out");
    result_.latency.record(static_cast<uint64_t>((last_seen_ - sent).count()));
    result_.ops += plan_.watchers;
    return result_.errors == 0;
  }

 private:
  void arm(uint32_t w) {
    // The event may reach a watcher before the writer has read its own response, so the
    // watcher checks against the index it waits for, not the one write() records.
    const uint64_t wait_index = index_ + 1;
    const auto target = fmt::format("{}?wait=true&waitIndex={}", path_, wait_index);
    connections_[w]->exchange_streamed(
        fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\n\r\n", target, hosts_[w]),
        [this](boost::system::error_code ec) {
          if (!ec) ++armed_;
        },
        [this, wait_index](boost::system::error_code ec, const HttpResponse& r) {
          last_seen_ = std::max(last_seen_, Clock::now());
          ++seen_;
          if (ec || r.status != 200 || node_modified_index(r.body) != wait_index) {
            ++result_.errors;
            if (result_.first_error.empty()) {
              result_.first_error = ec ? ec.message() : fmt::format("HTTP {}: {}", r.status, r.body);
            }
          }
        });
  }

  // PUTs the key through the writer connection; index_ becomes its modifiedIndex.
  bool write() {
    bool done = false;
    auto& writer = *connections_.back();
    writer.exchange(fmt::format("PUT {} HTTP/1.1\r\nHost: {}\r\nContent-Type: "
                                "application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\n"
                                "value=w",
                                path_, hosts_.back()),
                    [this, &done](boost::system::error_code ec, const HttpResponse& r) {
                      done = true;
                      index_ = ec ? 0 : node_modified_index(r.body);
                    });
    if (!run_until([&done] { return done; }) || index_ == 0) return fail("watch write failed");
    return true;
  }

  template <typename Pred>
  bool run_until(Pred pred) {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (!pred()) {
      if (Clock::now() >= deadline) return false;
      // Running out of work stops an io_context; new work needs it restarted.
      if (io_.stopped()) io_.restart();
      io_.run_one_for(std::chrono::milliseconds(100));
    }
    return true;
  }

  bool fail(std::string what) {
    ++result_.errors;
    if (result_.first_error.empty()) result_.first_error = std::move(what);
    return false;
  }

  const WatchPlan& plan_;
  RunResult& result_;
  asio::io_context io_;
  std::vector<std::unique_ptr<ClientConnection>> connections_;
  std::vector<std::string> hosts_;
  std::string path_;
  uint64_t index_ = 0;
  uint32_t armed_ = 0;
  uint32_t seen_ = 0;
  Clock::time_point last_seen_;
};

}  // namespace

RunResult run_watch(const WatchPlan& plan) {
  RunResult result;
  FanOut fan_out(plan, result);
  if (!fan_out.connect()) return result;
  const auto start = Clock::now();
  const double server_before = processes_cpu_seconds(plan.server_pids);
  const double client_before = self_cpu_seconds();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(plan.measure_s));
  for (uint32_t r = 0; r < plan.rounds_max; ++r) {
    if (r >= plan.rounds_min && Clock::now() >= end) break;
    if (!fan_out.round()) break;
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.server_cpu_s = processes_cpu_seconds(plan.server_pids) - server_before;
  result.client_cpu_s = self_cpu_seconds() - client_before;
  result.load_average = load_average();
  return result;
}

}  // namespace bench
