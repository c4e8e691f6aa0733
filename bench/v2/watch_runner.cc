#include "bench/v2/watch_runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "bench/common/client_connection.h"
#include "bench/common/system_info.h"

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;

// A share of the watchers with its own io_context, driven by one thread per phase, so
// reading a thousand responses is not one client thread's job.
class Shard {
 public:
  bool connect(const asio::ip::tcp::endpoint& endpoint) {
    hosts_.push_back(fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port()));
    connections_.push_back(std::make_unique<ClientConnection>(io_, endpoint));
    if (auto ec = connections_.back()->connect()) return fail("connect: " + ec.message());
    return true;
  }

  // Arms every watcher of this shard at `wait_index` and runs until all are registered.
  bool arm(const std::string& path, uint64_t wait_index, Clock::time_point deadline) {
    armed_ = 0;
    seen_ = 0;
    for (size_t w = 0; w < connections_.size(); ++w) arm_one(w, path, wait_index);
    if (!run_until([this] { return armed_ == connections_.size(); }, deadline)) {
      return fail("arming timed out");
    }
    return true;
  }

  // Runs until every watcher of this shard has its event; the time the last one arrived.
  bool collect(Clock::time_point deadline) {
    if (!run_until([this] { return seen_ == connections_.size(); }, deadline)) {
      return fail("fan-out timed out");
    }
    return errors_ == 0;
  }

  // PUTs `path` through this shard's first connection: the new modifiedIndex (0: failed).
  uint64_t write(const std::string& path, Clock::time_point deadline) {
    bool done = false;
    uint64_t index = 0;
    connections_.front()->exchange(
        fmt::format("PUT {} HTTP/1.1\r\nHost: {}\r\nContent-Type: "
                    "application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nvalue=w",
                    path, hosts_.front()),
        [&](boost::system::error_code ec, const HttpResponse& r) {
          done = true;
          index = ec ? 0 : node_modified_index(r.body);
        });
    if (!run_until([&done] { return done; }, deadline) || index == 0) fail("watch write failed");
    return index;
  }

  size_t size() const { return connections_.size(); }
  Clock::time_point last_seen() const { return last_seen_; }
  uint32_t errors() const { return errors_; }
  const std::string& first_error() const { return first_error_; }

 private:
  void arm_one(size_t w, const std::string& path, uint64_t wait_index) {
    connections_[w]->exchange_streamed(
        fmt::format("GET {}?wait=true&waitIndex={} HTTP/1.1\r\nHost: {}\r\n\r\n", path,
                    wait_index, hosts_[w]),
        [this](boost::system::error_code ec) {
          if (!ec) ++armed_;
        },
        [this, wait_index](boost::system::error_code ec, const HttpResponse& r) {
          last_seen_ = std::max(last_seen_, Clock::now());
          ++seen_;
          // The event may reach a watcher before the writer has read its own response, so
          // it is checked against the index the watcher waits for.
          if (ec || r.status != 200 || node_modified_index(r.body) != wait_index) {
            fail(ec ? ec.message() : fmt::format("HTTP {}: {}", r.status, r.body));
          }
        });
  }

  template <typename Pred>
  bool run_until(Pred pred, Clock::time_point deadline) {
    while (!pred()) {
      if (Clock::now() >= deadline) return false;
      // Running out of work stops an io_context; new work needs it restarted.
      if (io_.stopped()) io_.restart();
      io_.run_one_for(std::chrono::milliseconds(100));
    }
    return true;
  }

  bool fail(std::string what) {
    ++errors_;
    if (first_error_.empty()) first_error_ = std::move(what);
    return false;
  }

  asio::io_context io_;
  std::vector<std::unique_ptr<ClientConnection>> connections_;
  std::vector<std::string> hosts_;
  size_t armed_ = 0;
  size_t seen_ = 0;
  Clock::time_point last_seen_;
  uint32_t errors_ = 0;
  std::string first_error_;
};

class FanOut {
 public:
  FanOut(const WatchPlan& plan, RunResult& result) : plan_(plan), result_(result) {
    path_ = fmt::format("/v2/keys/bench/watch/{}", plan.run_tag);
    const uint32_t shards = std::max<uint32_t>(1, std::min(plan.client_threads, plan.watchers));
    for (uint32_t s = 0; s < shards; ++s) shards_.push_back(std::make_unique<Shard>());
    writer_ = std::make_unique<Shard>();
  }

  bool connect() {
    for (uint32_t w = 0; w < plan_.watchers; ++w) {
      const auto& endpoint = plan_.endpoints[w % plan_.endpoints.size()];
      if (!shards_[w % shards_.size()]->connect(endpoint)) return collect_errors();
    }
    if (!writer_->connect(plan_.endpoints[plan_.watchers % plan_.endpoints.size()])) {
      return collect_errors();
    }
    index_ = writer_->write(path_, Clock::now() + std::chrono::seconds(30));
    return index_ != 0 || collect_errors();  // the first round's watches start after it
  }

  // One round; false on an error or when a phase took longer than 30 s.
  bool round() {
    const uint64_t wait_index = index_ + 1;
    if (!in_parallel([&](Shard& s, Clock::time_point deadline) {
          return s.arm(path_, wait_index, deadline);
        })) {
      return collect_errors();
    }
    const auto sent = Clock::now();
    index_ = writer_->write(path_, sent + std::chrono::seconds(30));
    if (index_ == 0) return collect_errors();
    if (!in_parallel([](Shard& s, Clock::time_point deadline) { return s.collect(deadline); })) {
      return collect_errors();
    }
    Clock::time_point last = sent;
    for (const auto& s : shards_) last = std::max(last, s->last_seen());
    result_.latency.record(static_cast<uint64_t>((last - sent).count()));
    result_.ops += plan_.watchers;
    return true;
  }

 private:
  // Runs `phase` on every shard, each on a thread of its own (the first on this one).
  template <typename Phase>
  bool in_parallel(Phase phase) {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    std::vector<char> ok(shards_.size(), 0);
    std::vector<std::thread> threads;
    for (size_t s = 1; s < shards_.size(); ++s) {
      threads.emplace_back([&, s] { ok[s] = phase(*shards_[s], deadline) ? 1 : 0; });
    }
    ok[0] = phase(*shards_[0], deadline) ? 1 : 0;
    for (auto& t : threads) t.join();
    return std::all_of(ok.begin(), ok.end(), [](char c) { return c != 0; });
  }

  bool collect_errors() {
    for (const Shard* s : all_shards()) {
      result_.errors += s->errors();
      if (result_.first_error.empty()) result_.first_error = s->first_error();
    }
    return false;
  }

  std::vector<const Shard*> all_shards() const {
    std::vector<const Shard*> all{writer_.get()};
    for (const auto& s : shards_) all.push_back(s.get());
    return all;
  }

  const WatchPlan& plan_;
  RunResult& result_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::unique_ptr<Shard> writer_;
  std::string path_;
  uint64_t index_ = 0;
};

}  // namespace

RunResult run_watch(const WatchPlan& plan) {
  RunResult result;
  FanOut fan_out(plan, result);
  if (!fan_out.connect()) return result;
  if (plan.on_window_start) plan.on_window_start();
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
  if (plan.on_window_end) plan.on_window_end();
  return result;
}

}  // namespace bench
