#include "bench/v2/load_runner.h"

#include <chrono>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "bench/common/client_connection.h"
#include "bench/common/system_info.h"

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

// One client thread: its connections, their request sources and its share of the result.
class Worker {
 public:
  Worker(const LoadPlan& plan, uint32_t first, uint32_t count) {
    for (uint32_t c = first; c < first + count; ++c) {
      const auto& endpoint = plan.endpoints[c % plan.endpoints.size()];
      const std::string host = fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
      slots_.push_back(std::make_unique<Slot>(io_, endpoint, plan, host, c));
    }
  }

  // Connects every connection (before the clock starts); false on the first failure.
  bool connect() {
    for (auto& s : slots_) {
      if (auto ec = s->connection.connect()) {
        note_error("connect: " + ec.message());
        return false;
      }
    }
    return true;
  }

  void run() {
    for (auto& s : slots_) issue(*s);
    io_.run();
  }

  void set_window(Clock::time_point start, Clock::time_point end) {
    window_start_ = start;
    window_end_ = end;
  }
  RunResult& result() { return result_; }

 private:
  struct Slot {
    Slot(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
         const LoadPlan& plan, std::string host, uint32_t c)
        : connection(io, endpoint), source(plan.workload, std::move(host), plan.run_tag, c,
                                           plan.sequence) {}
    ClientConnection connection;
    RequestSource source;
    Clock::time_point sent;
  };

  void issue(Slot& s) {
    auto request = s.source.next();
    if (!request) return s.connection.close();
    s.sent = Clock::now();
    s.connection.exchange(std::move(*request),
                          [this, &s](boost::system::error_code ec, const HttpResponse& r) {
                            on_response(s, ec, r);
                          });
  }

  void on_response(Slot& s, boost::system::error_code ec, const HttpResponse& response) {
    const auto now = Clock::now();
    if (ec) {
      ++result_.errors;
      note_error("connection: " + ec.message());
      return s.connection.close();
    }
    const bool ok = s.source.on_response(response);
    if (now >= window_start_ && now < window_end_) {
      if (ok) {
        ++result_.ops;
        result_.latency.record(static_cast<uint64_t>((now - s.sent).count()));
      } else {
        ++result_.errors;
        note_error(fmt::format("HTTP {}: {}", response.status, response.body.substr(0, 200)));
      }
    }
    if (now >= window_end_) return s.connection.close();
    issue(s);
  }

  void note_error(std::string what) {
    if (result_.first_error.empty()) result_.first_error = std::move(what);
  }

  boost::asio::io_context io_;
  std::vector<std::unique_ptr<Slot>> slots_;
  Clock::time_point window_start_ = Clock::time_point::max();
  Clock::time_point window_end_ = Clock::time_point::max();
  RunResult result_;
};

RunResult merge(std::vector<std::unique_ptr<Worker>>& workers) {
  RunResult total;
  for (auto& w : workers) {
    auto& r = w->result();
    total.ops += r.ops;
    total.errors += r.errors;
    total.latency.merge(r.latency);
    if (total.first_error.empty()) total.first_error = r.first_error;
  }
  return total;
}

std::vector<std::unique_ptr<Worker>> make_workers(const LoadPlan& plan) {
  const uint32_t threads = std::max<uint32_t>(1, std::min(plan.client_threads, plan.connections));
  std::vector<std::unique_ptr<Worker>> workers;
  for (uint32_t t = 0; t < threads; ++t) {
    const uint32_t first = plan.connections * t / threads;
    const uint32_t end = plan.connections * (t + 1) / threads;
    workers.push_back(std::make_unique<Worker>(plan, first, end - first));
  }
  return workers;
}

struct Window {
  Clock::time_point start;
  Clock::time_point end;
};

Window window_of(const LoadPlan& plan, Clock::time_point start) {
  if (plan.sequence != nullptr) return {start, Clock::time_point::max()};
  auto span = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  return {start + span(plan.warmup_s), start + span(plan.warmup_s + plan.measure_s)};
}

struct CpuSample {
  Clock::time_point at;
  double server_s;
  double client_s;
};

CpuSample sample(const LoadPlan& plan) {
  return {Clock::now(), processes_cpu_seconds(plan.server_pids), self_cpu_seconds()};
}

}  // namespace

RunResult run_load(const LoadPlan& plan) {
  auto workers = make_workers(plan);
  for (auto& w : workers) {
    if (!w->connect()) {
      RunResult failed = merge(workers);
      failed.errors = std::max<uint64_t>(1, failed.errors);
      return failed;
    }
  }
  const bool count_mode = plan.sequence != nullptr;
  const Window window = window_of(plan, Clock::now());
  for (auto& w : workers) w->set_window(window.start, window.end);
  std::vector<std::thread> running;
  for (auto& w : workers) running.emplace_back([&w] { w->run(); });
  std::this_thread::sleep_until(window.start);
  if (plan.on_window_start) plan.on_window_start();
  const CpuSample before = sample(plan);
  if (!count_mode) std::this_thread::sleep_until(window.end);
  CpuSample after = sample(plan);
  if (plan.on_window_end) plan.on_window_end();
  for (auto& t : running) t.join();
  if (count_mode) after = sample(plan);
  RunResult result = merge(workers);
  result.server_cpu_s = after.server_s - before.server_s;
  result.client_cpu_s = after.client_s - before.client_s;
  const auto end = count_mode ? after.at : window.end;
  result.seconds = std::chrono::duration<double>(end - window.start).count();
  result.load_average = load_average();
  return result;
}

}  // namespace bench
