#include "bench/v3/v3_watch.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include "bench/common/system_info.h"

namespace bench::v3 {
namespace {

using Clock = std::chrono::steady_clock;
namespace pb = etcdserverpb;

constexpr auto kRoundTimeout = std::chrono::seconds(10);
constexpr auto kSetupTimeout = std::chrono::seconds(30);

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// What the watchers report to the writer: who is registered, and the current round.
class Board {
 public:
  explicit Board(uint32_t watchers) : watchers_(watchers) {}

  void created() { bump(created_); }
  void finished() { bump(finished_); }
  // An event for `round` arrived at `at_ns`.
  void event(uint64_t round, int64_t at_ns) {
    if (round != round_.load()) return;  // late: a round that timed out
    int64_t last = last_ns_.load();
    while (at_ns > last && !last_ns_.compare_exchange_weak(last, at_ns)) {
    }
    bump(got_);
  }
  void start_round(uint64_t round) {
    std::lock_guard lock(mutex_);
    got_ = 0;
    last_ns_ = 0;
    round_ = round;
  }
  // Waits until `counter` reaches the watcher count; false at the deadline.
  bool wait_all(const std::atomic<uint32_t>& counter, Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    return changed_.wait_until(lock, deadline, [&] { return counter.load() >= watchers_; });
  }
  bool wait_created(Clock::time_point deadline) { return wait_all(created_, deadline); }
  bool wait_finished(Clock::time_point deadline) { return wait_all(finished_, deadline); }
  bool wait_round(Clock::time_point deadline) { return wait_all(got_, deadline); }
  uint32_t got() const { return got_.load(); }
  uint32_t created_count() const { return created_.load(); }
  int64_t last_ns() const { return last_ns_.load(); }

 private:
  void bump(std::atomic<uint32_t>& counter) {
    if (counter.fetch_add(1) + 1 >= watchers_) {
      std::lock_guard lock(mutex_);
      changed_.notify_all();
    }
  }

  const uint32_t watchers_;
  std::atomic<uint32_t> created_{0};
  std::atomic<uint32_t> finished_{0};
  std::atomic<uint32_t> got_{0};
  std::atomic<uint64_t> round_{UINT64_MAX};
  std::atomic<int64_t> last_ns_{0};
  std::mutex mutex_;
  std::condition_variable changed_;
};

// One Watch stream with one watch on the prefix. Tags are its four operation objects, so
// the completion queue thread knows which operation finished.
class Watcher {
 public:
  enum class Op { start, write, read, finish };
  struct Tag {
    Watcher* watcher;
    Op op;
  };

  Watcher(pb::Watch::Stub& stub, grpc::CompletionQueue& cq, Board& board, const std::string& prefix)
      : board_(board), prefix_(prefix) {
    stream_ = stub.PrepareAsyncWatch(&context_, &cq);
    stream_->StartCall(&start_);
  }

  void cancel() { context_.TryCancel(); }

  void on(Op op, bool ok) {
    switch (op) {
      case Op::start:
        if (!ok) return finish();
        {
          pb::WatchRequest request;
          auto* create = request.mutable_create_request();
          create->set_key(prefix_);
          std::string end = prefix_;
          ++end.back();
          create->set_range_end(end);
          stream_->Write(request, &write_);
        }
        stream_->Read(&response_, &read_);
        return;
      case Op::write:
        return;  // the create request is out; a failure shows in the read
      case Op::read:
        if (!ok) return finish();
        on_response();
        stream_->Read(&response_, &read_);
        return;
      case Op::finish:
        board_.finished();
        return;
    }
  }

 private:
  void finish() { stream_->Finish(&status_, &finish_); }

  void on_response() {
    const int64_t at = now_ns();
    if (response_.created()) board_.created();
    for (const auto& event : response_.events()) {
      const std::string& key = event.kv().key();
      uint64_t round = 0;
      if (key.size() <= prefix_.size()) continue;
      std::from_chars(key.data() + prefix_.size(), key.data() + key.size(), round);
      board_.event(round, at);
    }
  }

  Board& board_;
  const std::string& prefix_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientAsyncReaderWriter<pb::WatchRequest, pb::WatchResponse>> stream_;
  pb::WatchResponse response_;
  grpc::Status status_;
  Tag start_{this, Op::start};
  Tag write_{this, Op::write};
  Tag read_{this, Op::read};
  Tag finish_{this, Op::finish};
};

void drain(grpc::CompletionQueue& cq) {
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) {
    auto* t = static_cast<Watcher::Tag*>(tag);
    t->watcher->on(t->op, ok);
  }
}

}  // namespace

WatchResult run_watch(const WatchPlan& plan) {
  WatchResult out;
  RunResult& result = out.run;
  auto fail = [&](std::string what) {
    ++result.errors;
    if (result.first_error.empty()) result.first_error = std::move(what);
  };
  Channels channels(plan.endpoints, std::max<uint32_t>(1, plan.channels));
  Channels writer_channel({plan.endpoints.front()}, 1);
  std::string error;
  if (!channels.connect(std::chrono::seconds(10), &error) ||
      !writer_channel.connect(std::chrono::seconds(10), &error)) {
    fail(error);
    return out;
  }
  const std::string prefix = fmt::format("v3bench/watch/{}/", plan.run_tag);
  const uint32_t threads = std::max<uint32_t>(1, plan.client_threads);
  std::vector<std::unique_ptr<grpc::CompletionQueue>> queues;
  for (uint32_t t = 0; t < threads; ++t)
    queues.push_back(std::make_unique<grpc::CompletionQueue>());
  Board board(plan.watchers);
  std::vector<std::unique_ptr<Watcher>> watchers;
  for (uint32_t w = 0; w < plan.watchers; ++w) {
    watchers.push_back(
        std::make_unique<Watcher>(channels.watch(w), *queues[w % threads], board, prefix));
  }
  std::vector<std::thread> running;
  for (auto& q : queues)
    running.emplace_back([&q] { drain(*q); });

  const std::string value = make_value(0);
  pb::KV::Stub& kv = writer_channel.kv(0);
  auto put = [&](uint64_t round, Clock::time_point* sent, Clock::time_point* acked) {
    pb::PutRequest request;
    request.set_key(prefix + std::to_string(round));
    request.set_value(value);
    pb::PutResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kRoundTimeout);
    *sent = Clock::now();
    const grpc::Status status = kv.Put(&context, request, &response);
    *acked = Clock::now();
    if (!status.ok())
      fail(fmt::format("put: gRPC {}: {}", static_cast<int>(status.error_code()),
                       status.error_message()));
    return status.ok();
  };

  if (!board.wait_created(Clock::now() + kSetupTimeout)) {
    fail(fmt::format("only {} of {} watches were created in {} s", board.created_count(),
                     plan.watchers, kSetupTimeout.count()));
  } else {
    uint64_t round = 0, measured_rounds = 0;
    Clock::time_point window_start{}, window_end{};
    double server_before = 0, client_before = 0;
    for (;;) {
      if (round == plan.warmup_rounds) {
        window_start = Clock::now();
        server_before = processes_cpu_seconds(plan.server_pids);
        client_before = self_cpu_seconds();
      }
      const bool measured = round >= plan.warmup_rounds;
      if (measured && measured_rounds >= plan.rounds_min &&
          Clock::now() - window_start >= std::chrono::duration<double>(plan.measure_s)) {
        break;
      }
      board.start_round(round);
      Clock::time_point sent, acked;
      const bool ok = put(round, &sent, &acked);
      const bool all = ok && board.wait_round(sent + kRoundTimeout);
      if (measured) {
        ++measured_rounds;
        if (all) {
          const int64_t last = board.last_ns();
          const int64_t ack =
              std::chrono::duration_cast<std::chrono::nanoseconds>(acked.time_since_epoch())
                  .count();
          const int64_t send =
              std::chrono::duration_cast<std::chrono::nanoseconds>(sent.time_since_epoch()).count();
          result.latency.record(static_cast<uint64_t>(std::max<int64_t>(0, last - ack)));
          out.from_send.record(static_cast<uint64_t>(std::max<int64_t>(0, last - send)));
          result.ops += plan.watchers;
        } else if (ok) {
          fail(fmt::format("round {}: {} of {} watchers had the event after {} s", round,
                           board.got(), plan.watchers, kRoundTimeout.count()));
        }
      }
      ++round;
    }
    window_end = Clock::now();
    result.server_cpu_s = processes_cpu_seconds(plan.server_pids) - server_before;
    result.client_cpu_s = self_cpu_seconds() - client_before;
    result.seconds = std::chrono::duration<double>(window_end - window_start).count();
    for (pid_t pid : plan.server_pids)
      result.server_rss_bytes += process_rss_bytes(pid);
    result.load_average = load_average();
  }

  for (auto& w : watchers)
    w->cancel();
  board.wait_finished(Clock::now() + kSetupTimeout);
  for (auto& q : queues)
    q->Shutdown();
  for (auto& t : running)
    t.join();
  return out;
}

}  // namespace bench::v3
