// Watch (etcd v3rpc/watch.go): one bidirectional stream carries many watches. Requests
// are read one at a time and handed to the member's WatchStream; its replies are queued
// and written in order, one write in flight at a time.
#include <deque>
#include <mutex>

#include "etcd/v3rpc/convert.h"
#include "etcd/v3rpc/services.h"

namespace etcd::v3rpc {

namespace {

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

class WatchReactor final : public grpc::ServerBidiReactor<pb::WatchRequest, pb::WatchResponse> {
 public:
  // Replies waiting for a slow client (each at most a batch of 1000 revisions' events).
  static constexpr size_t kMaxQueued = 10000;

  WatchReactor(Backend& backend, WatchBatching& batching, int fd) : batching_(batching), fd_(fd) {
    stream_ = backend.open_watch_stream(
        [this](mvcc::WatchResponse r, Header h) { enqueue(std::move(r), h); });
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    // The client closed its side: as etcd, keep sending until it cancels the call.
    if (!ok) return;
    switch (request_.request_union_case()) {
      case pb::WatchRequest::kCreateRequest:
        stream_->create(watch_request_of(request_.create_request()));
        break;
      case pb::WatchRequest::kCancelRequest:
        stream_->cancel(request_.cancel_request().watch_id());
        break;
      case pb::WatchRequest::kProgressRequest:
        stream_->request_progress();
        break;
      default:
        break;  // an empty request: etcd ignores it
    }
    request_.Clear();
    StartRead(&request_);
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mutex_);
    writing_ = false;
    if (!ok) {
      finish_locked(grpc::Status(grpc::StatusCode::CANCELLED, "watch: client went away"));
      return;
    }
    write_next_locked();
  }

  void OnCancel() override { finish(grpc::Status::CANCELLED); }

  void OnDone() override {
    stream_->close();  // no reply reaches enqueue() after this returns
    delete this;
  }

 private:
  void enqueue(mvcc::WatchResponse r, const Header& h) {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    pb::WatchResponse out;
    fill_header(out.mutable_header(), h.cluster_id, h.member_id, r.revision, h.raft_term);
    out.set_watch_id(r.watch_id);
    out.set_created(r.created);
    out.set_canceled(r.canceled);
    out.set_compact_revision(r.compact_revision);
    out.set_cancel_reason(r.cancel_reason);
    for (const auto& e : r.events)
      *out.add_events() = to_pb(e);
    if (queue_.size() >= kMaxQueued) {
      // A client that stopped reading must not make the member buffer without bound;
      // ending the stream makes it re-watch from its last revision.
      return finish_locked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                        "etcdserver: watch stream fell too far behind"));
    }
    queue_.push_back(std::move(out));
    write_next_locked();
  }

  void write_next_locked() {
    if (writing_ || queue_.empty() || finished_) return;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    batching_.before_write(fd_);
    StartWrite(&current_);
  }

  void finish(grpc::Status status) {
    std::lock_guard lock(mutex_);
    finish_locked(std::move(status));
  }
  void finish_locked(grpc::Status status) {
    if (finished_) return;
    finished_ = true;
    Finish(std::move(status));
  }

  WatchBatching& batching_;
  const int fd_;  // the connection's descriptor (WatchBatching), -1 if not known
  std::shared_ptr<WatchStream> stream_;
  pb::WatchRequest request_;
  // Recursive: gRPC may run a reaction inline from a Start* call made under the lock.
  std::recursive_mutex mutex_;
  std::deque<pb::WatchResponse> queue_;
  pb::WatchResponse current_;
  bool writing_ = false;
  bool finished_ = false;
};

}  // namespace

grpc::ServerBidiReactor<pb::WatchRequest, pb::WatchResponse>* WatchService::Watch(
    CallbackServerContext* context) {
  return new WatchReactor(backend_, batching_, WatchBatching::descriptor_of(context->peer()));
}

}  // namespace etcd::v3rpc
