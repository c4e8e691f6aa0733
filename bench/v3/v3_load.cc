#include "bench/v3/v3_load.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include "bench/common/system_info.h"

namespace bench::v3 {
namespace {

using Clock = std::chrono::steady_clock;
namespace pb = etcdserverpb;

constexpr auto kCallTimeout = std::chrono::seconds(10);

// The state of one RPC: a ClientContext serves one call only.
struct Call {
  grpc::ClientContext context;
  grpc::Status status;
  pb::PutResponse put;
  pb::RangeResponse range;
  pb::TxnResponse txn;
  std::unique_ptr<grpc::ClientAsyncResponseReader<pb::PutResponse>> put_reader;
  std::unique_ptr<grpc::ClientAsyncResponseReader<pb::RangeResponse>> range_reader;
  std::unique_ptr<grpc::ClientAsyncResponseReader<pb::TxnResponse>> txn_reader;
};

// One request in flight at a time; its address is the completion queue tag.
class Slot {
 public:
  Slot(const LoadPlan& plan, pb::KV::Stub& stub, uint32_t index)
      : plan_(plan),
        stub_(stub),
        index_(index),
        value_(make_value(index)),
        rng_(0x9e3779b97f4a7c15ull * (index + 1)) {}

  // Starts the next request on `cq`; false when a fill has handed out all its keys.
  bool issue(grpc::CompletionQueue& cq);
  // Judges the finished call: true when it is a completed operation, else `error` says why.
  bool judge(std::string* error);
  Clock::time_point sent() const { return sent_; }

 private:
  uint64_t random_below(uint64_t n) {
    rng_ ^= rng_ << 13;  // xorshift64
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    return rng_ % n;
  }
  std::string cas_key() const { return fmt::format("v3bench/cas/{}/{}", plan_.run_tag, index_); }

  const LoadPlan& plan_;
  pb::KV::Stub& stub_;
  uint32_t index_;
  std::string value_;
  uint64_t rng_;
  uint64_t seq_ = 0;
  int64_t cas_revision_ = 0;  // 0: the key does not exist yet
  std::unique_ptr<Call> call_;
  Clock::time_point sent_;
};

bool Slot::issue(grpc::CompletionQueue& cq) {
  call_ = std::make_unique<Call>();
  call_->context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  void* tag = this;
  switch (plan_.workload) {
    case Workload::put:
    case Workload::fill: {
      pb::PutRequest request;
      if (plan_.workload == Workload::fill) {
        const uint64_t i = plan_.sequence->next.fetch_add(1);
        if (i >= plan_.sequence->end) return false;
        request.set_key(get_key(i));
      } else {
        request.set_key(fmt::format("v3bench/put/{}/{}/{}", plan_.run_tag, index_, seq_++));
      }
      request.set_value(value_);
      sent_ = Clock::now();
      call_->put_reader = stub_.AsyncPut(&call_->context, request, &cq);
      call_->put_reader->Finish(&call_->put, &call_->status, tag);
      return true;
    }
    case Workload::range:
    case Workload::range_serializable: {
      pb::RangeRequest request;
      request.set_key(get_key(random_below(kGetKeys)));
      request.set_serializable(plan_.workload == Workload::range_serializable);
      sent_ = Clock::now();
      call_->range_reader = stub_.AsyncRange(&call_->context, request, &cq);
      call_->range_reader->Finish(&call_->range, &call_->status, tag);
      return true;
    }
    case Workload::txn: {
      pb::TxnRequest request;
      const std::string key = cas_key();
      auto* compare = request.add_compare();
      compare->set_result(pb::Compare::EQUAL);
      compare->set_target(pb::Compare::MOD);
      compare->set_key(key);
      compare->set_mod_revision(cas_revision_);
      auto* put = request.add_success()->mutable_request_put();
      put->set_key(key);
      put->set_value(value_);
      request.add_failure()->mutable_request_range()->set_key(key);
      sent_ = Clock::now();
      call_->txn_reader = stub_.AsyncTxn(&call_->context, request, &cq);
      call_->txn_reader->Finish(&call_->txn, &call_->status, tag);
      return true;
    }
    case Workload::watch:
      break;
  }
  return false;
}

bool Slot::judge(std::string* error) {
  const Call& call = *call_;
  if (!call.status.ok()) {
    *error = fmt::format("gRPC {}: {}", static_cast<int>(call.status.error_code()),
                         call.status.error_message());
    return false;
  }
  switch (plan_.workload) {
    case Workload::range:
    case Workload::range_serializable:
      if (call.range.kvs_size() == 1) return true;
      *error = fmt::format("range of a filled key returned {} keys", call.range.kvs_size());
      return false;
    case Workload::txn:
      if (call.txn.succeeded()) {
        cas_revision_ = call.txn.header().revision();  // the put's revision: its mod_revision
        return true;
      }
      // Someone else's revision (cannot happen: each slot owns its key); resynchronise.
      if (call.txn.responses_size() == 1 && call.txn.responses(0).response_range().kvs_size()) {
        cas_revision_ = call.txn.responses(0).response_range().kvs(0).mod_revision();
      }
      *error = "txn compare failed";
      return false;
    default:
      return true;
  }
}

// One client thread: its completion queue, its slots and its share of the result.
class Worker {
 public:
  void add(std::unique_ptr<Slot> slot) { slots_.push_back(std::move(slot)); }
  void set_window(Clock::time_point start, Clock::time_point end) {
    window_start_ = start;
    window_end_ = end;
  }
  RunResult& result() { return result_; }

  void run() {
    for (auto& s : slots_) {
      if (s->issue(cq_)) ++outstanding_;
    }
    if (outstanding_ == 0) cq_.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (cq_.Next(&tag, &ok))
      on_done(*static_cast<Slot*>(tag));
  }

 private:
  void on_done(Slot& s) {
    const auto now = Clock::now();
    std::string error;
    const bool good = s.judge(&error);
    if (now >= window_start_ && now < window_end_) {
      if (good) {
        ++result_.ops;
        result_.latency.record(static_cast<uint64_t>((now - s.sent()).count()));
      } else {
        ++result_.errors;
        if (result_.first_error.empty()) result_.first_error = error;
      }
    }
    if (now >= window_end_ || !s.issue(cq_)) {
      if (--outstanding_ == 0) cq_.Shutdown();
    }
  }

  grpc::CompletionQueue cq_;
  std::vector<std::unique_ptr<Slot>> slots_;
  size_t outstanding_ = 0;
  Clock::time_point window_start_ = Clock::time_point::max();
  Clock::time_point window_end_ = Clock::time_point::max();
  RunResult result_;
};

struct CpuSample {
  Clock::time_point at;
  double server_s;
  double client_s;
};

CpuSample sample(const LoadPlan& plan) {
  return {Clock::now(), processes_cpu_seconds(plan.server_pids), self_cpu_seconds()};
}

uint64_t rss_of(const std::vector<pid_t>& pids) {
  uint64_t total = 0;
  for (pid_t pid : pids)
    total += process_rss_bytes(pid);
  return total;
}

}  // namespace

RunResult run_load(const LoadPlan& plan) {
  Channels channels(plan.endpoints, std::max<uint32_t>(1, plan.channels));
  std::string error;
  if (!channels.connect(std::chrono::seconds(10), &error)) {
    RunResult failed;
    failed.errors = 1;
    failed.first_error = error;
    return failed;
  }
  const uint32_t threads = std::max<uint32_t>(1, std::min(plan.client_threads, plan.inflight));
  std::vector<std::unique_ptr<Worker>> workers;
  for (uint32_t t = 0; t < threads; ++t)
    workers.push_back(std::make_unique<Worker>());
  for (uint32_t s = 0; s < plan.inflight; ++s) {
    workers[s % threads]->add(std::make_unique<Slot>(plan, channels.kv(s), s));
  }
  const bool count_mode = plan.sequence != nullptr;
  auto span = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  const auto start = Clock::now();
  const auto window_start = count_mode ? start : start + span(plan.warmup_s);
  const auto window_end =
      count_mode ? Clock::time_point::max() : window_start + span(plan.measure_s);
  for (auto& w : workers)
    w->set_window(window_start, window_end);
  std::vector<std::thread> running;
  for (auto& w : workers)
    running.emplace_back([&w] { w->run(); });
  std::this_thread::sleep_until(window_start);
  const CpuSample before = sample(plan);
  if (!count_mode) std::this_thread::sleep_until(window_end);
  CpuSample after = sample(plan);
  const uint64_t rss = rss_of(plan.server_pids);
  for (auto& t : running)
    t.join();
  if (count_mode) after = sample(plan);

  RunResult result;
  for (auto& w : workers) {
    const RunResult& r = w->result();
    result.ops += r.ops;
    result.errors += r.errors;
    result.latency.merge(r.latency);
    if (result.first_error.empty()) result.first_error = r.first_error;
  }
  result.server_cpu_s = after.server_s - before.server_s;
  result.client_cpu_s = after.client_s - before.client_s;
  const auto end = count_mode ? after.at : window_end;
  result.seconds = std::chrono::duration<double>(end - window_start).count();
  result.load_average = load_average();
  result.server_rss_bytes = rss;
  return result;
}

}  // namespace bench::v3
