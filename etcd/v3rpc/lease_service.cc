// Lease (etcd v3rpc/lease.go): grant, revoke, the keep-alive stream, time-to-live, list.
#include <deque>
#include <mutex>

#include "etcd/v3rpc/convert.h"
#include "etcd/v3rpc/services.h"
#include "etcd/v3rpc/unary_call.h"

namespace etcd::v3rpc {

namespace {

void set_header(pb::ResponseHeader* out, const Header& h) {
  fill_header(out, h.cluster_id, h.member_id, h.revision, h.raft_term);
}

// Keep-alives: every request renews its lease through the log; answers go back in the
// order the renewals complete, one write in flight at a time. When the client closes its
// side, the call ends (OK) once every answer owed is written, as etcd's stream does.
class KeepAliveReactor final
    : public grpc::ServerBidiReactor<pb::LeaseKeepAliveRequest, pb::LeaseKeepAliveResponse> {
 public:
  explicit KeepAliveReactor(Backend& backend)
      : backend_(backend), alive_(std::make_shared<Alive>()) {
    alive_->reactor = this;
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    std::lock_guard lock(alive_->mutex);
    if (!ok) {
      read_closed_ = true;
      return maybe_end_locked();
    }
    const int64_t id = request_.id();
    ++in_flight_;
    backend_.lease_renew(id, [alive = alive_, id](Result<mvcc::LeaseResponse> r, Header h) {
      std::lock_guard lock(alive->mutex);
      KeepAliveReactor* self = alive->reactor;
      if (self == nullptr) return;
      --self->in_flight_;
      if (!r) return self->finish_locked(to_status(r.error()));
      pb::LeaseKeepAliveResponse out;
      set_header(out.mutable_header(), h);
      out.set_id(id);
      out.set_ttl(r->ttl);
      self->queue_.push_back(std::move(out));
      self->write_next_locked();
    });
    request_.Clear();
    StartRead(&request_);
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(alive_->mutex);
    writing_ = false;
    if (!ok) return finish_locked(grpc::Status::CANCELLED);
    write_next_locked();
    maybe_end_locked();
  }
  void OnCancel() override {
    std::lock_guard lock(alive_->mutex);
    finish_locked(grpc::Status::CANCELLED);
  }
  void OnDone() override {
    {
      std::lock_guard lock(alive_->mutex);
      alive_->reactor = nullptr;  // renewals still in flight find nobody to answer
    }
    delete this;
  }

 private:
  struct Alive {
    // Recursive: gRPC may run a reaction inline from a Start* call made under the lock.
    std::recursive_mutex mutex;
    KeepAliveReactor* reactor = nullptr;
  };

  void write_next_locked() {
    if (writing_ || queue_.empty() || finished_) return;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    StartWrite(&current_);
  }
  void maybe_end_locked() {
    if (read_closed_ && in_flight_ == 0 && queue_.empty() && !writing_) {
      finish_locked(grpc::Status::OK);
    }
  }
  void finish_locked(grpc::Status status) {
    if (finished_) return;
    finished_ = true;
    Finish(std::move(status));
  }

  Backend& backend_;
  std::shared_ptr<Alive> alive_;
  pb::LeaseKeepAliveRequest request_;
  std::deque<pb::LeaseKeepAliveResponse> queue_;
  pb::LeaseKeepAliveResponse current_;
  int in_flight_ = 0;  // renewals asked for, not answered yet
  bool read_closed_ = false;
  bool writing_ = false;
  bool finished_ = false;
};

}  // namespace

ServerUnaryReactor* LeaseService::LeaseGrant(CallbackServerContext*,
                                             const pb::LeaseGrantRequest* request,
                                             pb::LeaseGrantResponse* response) {
  auto call = UnaryCall<pb::LeaseGrantResponse>::start(response);
  backend_.lease_grant(request->id(), request->ttl(),
                       [call](Result<mvcc::LeaseResponse> r, Header h) {
                         if (!r) return call->fail(to_status(r.error()));
                         call->reply([&](pb::LeaseGrantResponse* out) {
                           set_header(out->mutable_header(), h);
                           out->set_id(r->id);
                           out->set_ttl(r->ttl);
                         });
                       });
  return call.get();
}

ServerUnaryReactor* LeaseService::LeaseRevoke(CallbackServerContext*,
                                              const pb::LeaseRevokeRequest* request,
                                              pb::LeaseRevokeResponse* response) {
  auto call = UnaryCall<pb::LeaseRevokeResponse>::start(response);
  backend_.lease_revoke(request->id(), [call](Result<mvcc::LeaseResponse> r, Header h) {
    if (!r) return call->fail(to_status(r.error()));
    call->reply([&](pb::LeaseRevokeResponse* out) { set_header(out->mutable_header(), h); });
  });
  return call.get();
}

grpc::ServerBidiReactor<pb::LeaseKeepAliveRequest, pb::LeaseKeepAliveResponse>*
LeaseService::LeaseKeepAlive(CallbackServerContext*) {
  return new KeepAliveReactor(backend_);
}

ServerUnaryReactor* LeaseService::LeaseTimeToLive(CallbackServerContext*,
                                                  const pb::LeaseTimeToLiveRequest* request,
                                                  pb::LeaseTimeToLiveResponse* response) {
  auto call = UnaryCall<pb::LeaseTimeToLiveResponse>::start(response);
  backend_.lease_time_to_live(request->id(), request->keys(),
                              [call](Result<LeaseStatus> r, Header h) {
                                if (!r) return call->fail(to_status(r.error()));
                                call->reply([&](pb::LeaseTimeToLiveResponse* out) {
                                  set_header(out->mutable_header(), h);
                                  out->set_id(r->id);
                                  out->set_ttl(r->ttl);
                                  out->set_grantedttl(r->granted_ttl);
                                  for (const auto& key : r->keys)
                                    out->add_keys(key);
                                });
                              });
  return call.get();
}

ServerUnaryReactor* LeaseService::LeaseLeases(CallbackServerContext*, const pb::LeaseLeasesRequest*,
                                              pb::LeaseLeasesResponse* response) {
  auto call = UnaryCall<pb::LeaseLeasesResponse>::start(response);
  backend_.lease_list([call](Result<std::vector<int64_t>> r, Header h) {
    if (!r) return call->fail(to_status(r.error()));
    call->reply([&](pb::LeaseLeasesResponse* out) {
      set_header(out->mutable_header(), h);
      for (int64_t id : *r)
        out->add_leases()->set_id(id);
    });
  });
  return call.get();
}

}  // namespace etcd::v3rpc
