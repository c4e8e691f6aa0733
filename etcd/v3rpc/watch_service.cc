// Watch (etcd v3rpc/watch.go): one bidirectional stream carries many watches. Requests
// are read one at a time and handed to the member's WatchStream; its replies are queued
// and written in order, one write in flight per stream.
//
// On gRPC's async API rather than the callback API the other services use, for the
// fan-out: a put seen by 1000 watchers is 1000 writes, made from the member's strand.
// On the callback API each write's completion is handed to gRPC's callback threads (a
// futex wake-up and a thread switch per message: about a quarter of a member's CPU in a
// 1000-watcher fan-out). Here the writing thread takes the completion back itself when
// the bytes left at once (the completion queue's thread-local cache,
// grpc_completion_queue_thread_local_cache_*), so nobody is woken; what completes later
// (a stalled connection's writes, reads, the end of a call) reaches the service's own
// threads through its completion queue.
#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <grpc/grpc.h>
#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include "etcd/v3rpc/convert.h"
#include "etcd/v3rpc/services.h"

namespace etcd::v3rpc {

struct WatchService::Impl {
  Impl(Backend& b, WatchBatching& w) : backend(b), batching(w) {}
  // A call object waits for the next client, unless the service is stopping.
  void await_call();

  Backend& backend;
  WatchBatching& batching;
  pb::Watch::AsyncService service;
  std::unique_ptr<grpc::ServerCompletionQueue> queue;
  std::vector<std::thread> threads;
  // No operation may follow the queue's Shutdown (gRPC aborts): RequestWatch checks
  // `accepting`, and stop() waits until every call object is gone.
  std::mutex mutex;
  std::condition_variable calls_gone;
  bool accepting = false;
  size_t calls = 0;  // WatchCall objects alive
};

namespace {

// Threads taking the queue's completions (gRPC's callback API runs one per core too).
constexpr int kWatchQueueThreads = 2;

// What every tag on the service's queue points at.
class WatchCompletion {
 public:
  virtual void complete(bool ok) = 0;

 protected:
  ~WatchCompletion() = default;
};

// Tags go through void* and come back as WatchCompletion*: they must leave as one too.
void* tag_of(WatchCompletion* completion) {
  return completion;
}

// A completion the writing thread took from the thread-local cache that is not its own
// write's (another call's read finished in the same flush): passed to the service's
// threads through an alarm, never run on the writer (the member's strand, mid fan-out).
class HandedOver final : public WatchCompletion {
 public:
  static void post(grpc::ServerCompletionQueue* queue, WatchCompletion* target, bool ok) {
    auto* handed = new HandedOver(target, ok);
    handed->alarm_.Set(queue, gpr_time_0(GPR_CLOCK_REALTIME), tag_of(handed));
  }
  void complete(bool /*fired*/) override {
    WatchCompletion* target = target_;
    const bool ok = ok_;
    delete this;
    target->complete(ok);
  }

 private:
  HandedOver(WatchCompletion* target, bool ok) : target_(target), ok_(ok) {}
  grpc::Alarm alarm_;
  WatchCompletion* target_;
  bool ok_;
};

mvcc::WatchRequest watch_request_of(const pb::WatchCreateRequest& c) {
  mvcc::WatchRequest r;
  r.watch_id = c.watch_id() == 0 ? -1 : c.watch_id();  // 0: the server picks (etcd 3.4)
  r.key = c.key();
  r.range_end = c.range_end();
  r.start_revision = c.start_revision();
  r.progress_notify = c.progress_notify();
  r.prev_kv = c.prev_kv();
  for (int f : c.filters()) {
    if (f == pb::WatchCreateRequest::NOPUT) r.no_put = true;
    if (f == pb::WatchCreateRequest::NODELETE) r.no_delete = true;
  }
  return r;
}

// One Watch call, from the request for it to its end. Deletes itself once the call is
// over (the done notification came) and no operation it issued is outstanding.
class WatchCall {
 public:
  // Replies waiting for a slow client (each at most a batch of 1000 revisions' events).
  static constexpr size_t kMaxQueued = 10000;

  // Under service.mutex.
  static void await(WatchService::Impl& service) {
    auto* call = new WatchCall(service);
    ++service.calls;
    call->context_.AsyncNotifyWhenDone(tag_of(&call->done_));
    grpc::ServerCompletionQueue* queue = service.queue.get();
    service.service.RequestWatch(&call->context_, &call->stream_, queue, queue,
                                 tag_of(&call->started_));
  }

 private:
  class Step final : public WatchCompletion {
   public:
    Step(WatchCall* call, void (WatchCall::*on)(bool)) : call_(call), on_(on) {}
    void complete(bool ok) override { (call_->*on_)(ok); }

   private:
    WatchCall* call_;
    void (WatchCall::*on_)(bool);
  };

  explicit WatchCall(WatchService::Impl& service) : service_(service), stream_(&context_) {}
  ~WatchCall() {
    std::lock_guard lock(service_.mutex);
    if (--service_.calls == 0) service_.calls_gone.notify_all();
  }

  void on_started(bool ok) {
    // Not started: the server is stopping. The done notification comes only for calls
    // that started, so nothing else refers to this one.
    if (!ok) {
      delete this;
      return;
    }
    service_.await_call();
    fd_ = WatchBatching::descriptor_of(context_.peer());
    auto watches = service_.backend.open_watch_stream(
        [this](mvcc::WatchResponse r, Header h) { enqueue(std::move(r), h); });
    bool over = false;
    {
      std::lock_guard lock(mutex_);
      watches_ = watches;
      over = call_over_;
    }
    if (over) watches->close();
    stream_.Read(&request_, tag_of(&read_));  // the start's count passes to the read
  }

  void on_read(bool ok) {
    // The client closed its side, or the call ended: as etcd, keep sending until the
    // client cancels; no more reads.
    if (!ok) return release();
    {
      std::lock_guard lock(mutex_);
      // After the end no watch may be added: the stream's close is already on its way.
      if (!call_over_) handle_locked(request_);
    }
    request_.Clear();
    stream_.Read(&request_, tag_of(&read_));
  }

  // The backend's calls only post work to the member's strand: safe under the lock.
  void handle_locked(const pb::WatchRequest& request) {
    switch (request.request_union_case()) {
      case pb::WatchRequest::kCreateRequest:
        watches_->create(watch_request_of(request.create_request()));
        break;
      case pb::WatchRequest::kCancelRequest:
        watches_->cancel(request.cancel_request().watch_id());
        break;
      case pb::WatchRequest::kProgressRequest:
        watches_->request_progress();
        break;
      default:
        break;  // an empty request: etcd ignores it
    }
  }

  // From the member's strand: one reply for this stream.
  void enqueue(mvcc::WatchResponse r, const Header& h) {
    pb::WatchResponse out = to_pb(r, HeaderFields{h.cluster_id, h.member_id, h.raft_term});
    {
      std::lock_guard lock(mutex_);
      if (ending_ || call_over_) return;
      if (queue_.size() >= kMaxQueued) {
        // A client that stopped reading must not make the member buffer without bound;
        // ending the stream makes it re-watch from its last revision. (Finish waits for
        // the write in flight, if any.)
        const bool finish_now = end_locked(grpc::Status(
            grpc::StatusCode::RESOURCE_EXHAUSTED, "etcdserver: watch stream fell too far behind"));
        if (finish_now) send_finish();
        return;
      }
      queue_.push_back(std::move(out));
      if (writing_) return;
      current_ = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
      ++outstanding_;
    }
    write();  // this thread took the write in flight
  }

  // Writes current_ (writing_ is set, the write counted), and the next queued replies for
  // as long as each write completes on this thread. No lock held.
  void write() {
    grpc_completion_queue* core = service_.queue->cq();
    for (;;) {
      service_.batching.before_write(fd_);
      grpc_completion_queue_thread_local_cache_init(core);
      stream_.Write(current_, tag_of(&written_));
      void* tag = nullptr;
      int cached_ok = 0;
      // Nothing cached: the write completes later, on the service's threads.
      if (grpc_completion_queue_thread_local_cache_flush(core, &tag, &cached_ok) == 0) return;
      bool ok = cached_ok != 0;
      // As CompletionQueue::Next does: gRPC's own tag turns into the application's (false
      // only for an event of gRPC's own, e.g. with interceptors, which this server has none).
      if (!static_cast<grpc::internal::CompletionQueueTag*>(tag)->FinalizeResult(&tag, &ok)) {
        return;
      }
      auto* completed = static_cast<WatchCompletion*>(tag);
      if (completed != &written_) {
        HandedOver::post(service_.queue.get(), completed, ok);
        return;
      }
      if (!written(ok)) return;
    }
  }

  void on_written(bool ok) {
    if (written(ok)) write();
  }

  // A write completed: true when the next one is to be written (current_ set). Otherwise
  // the write's count is released, and this call may be gone.
  bool written(bool ok) {
    bool finish = false;
    bool drop = false;
    {
      std::lock_guard lock(mutex_);
      writing_ = false;
      if (!ok) {
        // The call broke (the client went away): its done notification follows.
        ending_ = true;
        queue_.clear();
      } else if (ending_) {
        finish = !finish_sent_;
        finish_sent_ = true;
      } else if (!queue_.empty()) {
        current_ = std::move(queue_.front());
        queue_.pop_front();
        writing_ = true;
        return true;
      }
      if (finish) {
        ++outstanding_;
      }
      drop = --outstanding_ == 0;
    }
    if (finish) send_finish();
    if (drop) delete this;
    return false;
  }

  // Decides the end (once); true when Finish is to be sent now (no write in flight).
  bool end_locked(grpc::Status status) {
    if (ending_) return false;
    ending_ = true;
    status_ = std::move(status);
    queue_.clear();
    if (writing_ || finish_sent_) return false;
    finish_sent_ = true;
    ++outstanding_;
    return true;
  }

  void send_finish() { stream_.Finish(status_, tag_of(&finished_)); }

  void on_finished(bool /*ok*/) { release(); }

  void on_done(bool /*ok*/) {
    std::shared_ptr<WatchStream> watches;
    {
      std::lock_guard lock(mutex_);
      call_over_ = true;
      queue_.clear();
      watches = watches_;
    }
    if (watches) watches->close();  // no reply reaches enqueue() after this returns
    release();
  }

  // An operation (or the done notification) ended.
  void release() {
    bool drop = false;
    {
      std::lock_guard lock(mutex_);
      drop = --outstanding_ == 0;
    }
    if (drop) delete this;
  }

  WatchService::Impl& service_;
  grpc::ServerContext context_;
  grpc::ServerAsyncReaderWriter<pb::WatchResponse, pb::WatchRequest> stream_;
  Step started_{this, &WatchCall::on_started};
  Step read_{this, &WatchCall::on_read};
  Step written_{this, &WatchCall::on_written};
  Step finished_{this, &WatchCall::on_finished};
  Step done_{this, &WatchCall::on_done};
  int fd_ = -1;  // the connection's descriptor (WatchBatching), -1 if not known
  pb::WatchRequest request_;
  pb::WatchResponse current_;  // the write in flight
  grpc::Status status_;        // set once, with ending_

  std::mutex mutex_;
  std::shared_ptr<WatchStream> watches_;
  std::deque<pb::WatchResponse> queue_;
  bool writing_ = false;
  bool ending_ = false;       // the stream is to end (status_), or broke
  bool finish_sent_ = false;  // Finish issued
  bool call_over_ = false;    // the done notification came
  // Issued operations not yet handled, and the done notification: the start (then the
  // read loop) and the done notification from the beginning.
  int outstanding_ = 2;
};

}  // namespace

void WatchService::Impl::await_call() {
  std::lock_guard lock(mutex);
  if (accepting) WatchCall::await(*this);
}

WatchService::WatchService(Backend& backend, WatchBatching& batching)
    : impl_(std::make_unique<Impl>(backend, batching)) {}

WatchService::~WatchService() {
  stop();
}

void WatchService::add_to(grpc::ServerBuilder& builder) {
  builder.RegisterService(&impl_->service);
  impl_->queue = builder.AddCompletionQueue();
}

void WatchService::start() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->accepting = true;
  }
  impl_->await_call();
  for (int i = 0; i < kWatchQueueThreads; ++i) {
    impl_->threads.emplace_back([queue = impl_->queue.get()] {
      pthread_setname_np(pthread_self(), "grpc-watch");
      void* tag = nullptr;
      bool ok = false;
      while (queue->Next(&tag, &ok))
        static_cast<WatchCompletion*>(tag)->complete(ok);
    });
  }
}

void WatchService::stop() {
  {
    std::unique_lock lock(impl_->mutex);
    if (!impl_->queue) return;
    impl_->accepting = false;
    // The server's Shutdown canceled every call; their ends (and the failed request for
    // the next one) reach this queue's threads, which delete them.
    impl_->calls_gone.wait(lock, [this] { return impl_->calls == 0; });
  }
  impl_->queue->Shutdown();
  for (auto& t : impl_->threads)
    t.join();
  impl_->threads.clear();
  impl_->queue.reset();
}

}  // namespace etcd::v3rpc
