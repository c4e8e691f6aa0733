// Election (etcd 3.4's v3election server): Campaign waits without holding a thread and
// resigns when canceled while waiting; Observe streams every leader and proclamation.
#include <deque>
#include <mutex>

#include "etcd/v3rpc/convert.h"
#include "etcd/v3rpc/services.h"
#include "etcd/v3rpc/unary_call.h"

namespace etcd::v3rpc {

namespace {

namespace epb = v3electionpb;

void set_header(pb::ResponseHeader* out, const Header& h) {
  fill_header(out, h.cluster_id, h.member_id, h.revision, h.raft_term);
}

concurrency::LeaderKey from_pb(const epb::LeaderKey& pb) {
  return {pb.name(), pb.key(), pb.rev(), pb.lease()};
}

grpc::Status missing_leader() {
  return grpc::Status(grpc::StatusCode::UNKNOWN, std::string(concurrency::kErrMissingLeaderKey));
}

// A unary call whose answer is only a header (Proclaim, Resign).
template <typename Response>
Reply<void> header_reply(std::shared_ptr<UnaryCall<Response>> call) {
  return [call](Result<void> done, Header h) {
    if (!done) return call->fail(recipe_status(done.error()));
    call->reply([&](Response* out) { set_header(out->mutable_header(), h); });
  };
}

// Observe's stream: leaders are queued as the recipe finds them and written one at a
// time. The recipe ending (a failed read or watch) ends the stream with OK once the queue
// is written, as etcd's does; the client going away cancels the recipe.
class ObserveReactor final : public grpc::ServerWriteReactor<epb::LeaderResponse> {
 public:
  // Answers waiting for a slow client (as the watch stream's bound).
  static constexpr size_t kMaxQueued = 10000;

  static std::shared_ptr<ObserveReactor> start() {
    auto reactor = std::shared_ptr<ObserveReactor>(new ObserveReactor());
    reactor->self_ = reactor;
    return reactor;
  }

  void observe(std::shared_ptr<concurrency::Waiter> observer) {
    std::lock_guard lock(mutex_);
    observer_ = std::move(observer);
  }

  void enqueue(const mvcc::KeyValue& kv, const Header& h) {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    if (queue_.size() >= kMaxQueued) {
      // A client that stopped reading must not make the member buffer without bound.
      return finish_locked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                        "etcdserver: observe stream fell too far behind"));
    }
    epb::LeaderResponse out;
    set_header(out.mutable_header(), h);
    *out.mutable_kv() = to_pb(kv);
    queue_.push_back(std::move(out));
    write_next_locked();
  }

  void ended() {
    std::lock_guard lock(mutex_);
    ended_ = true;
    write_next_locked();
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mutex_);
    writing_ = false;
    if (!ok) return finish_locked(grpc::Status::CANCELLED);
    write_next_locked();
  }
  void OnCancel() override {
    {
      std::lock_guard lock(mutex_);
      finish_locked(grpc::Status::CANCELLED);
    }
    stop_observer();
  }
  void OnDone() override {
    stop_observer();
    auto last = std::move(self_);  // freed once no recipe callback holds it
  }

 private:
  ObserveReactor() = default;

  void write_next_locked() {
    if (writing_ || finished_) return;
    if (queue_.empty()) {
      if (ended_) finish_locked(grpc::Status::OK);
      return;
    }
    current_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    StartWrite(&current_);
  }
  void finish_locked(grpc::Status status) {
    if (finished_) return;
    finished_ = true;
    Finish(std::move(status));
  }
  // Outside our lock: canceling takes the recipe's, whose callbacks take ours.
  void stop_observer() {
    std::shared_ptr<concurrency::Waiter> observer;
    {
      std::lock_guard lock(mutex_);
      observer = std::move(observer_);
    }
    if (observer) observer->cancel();
  }

  // Recursive: gRPC may run a reaction inline from a Start* call made under the lock.
  std::recursive_mutex mutex_;
  std::shared_ptr<concurrency::Waiter> observer_;
  std::deque<epb::LeaderResponse> queue_;
  epb::LeaderResponse current_;
  bool writing_ = false;
  bool ended_ = false;
  bool finished_ = false;
  std::shared_ptr<ObserveReactor> self_;  // set in start(), dropped in OnDone()
};

}  // namespace

ServerUnaryReactor* ElectionService::Campaign(CallbackServerContext*,
                                              const epb::CampaignRequest* request,
                                              epb::CampaignResponse* response) {
  auto call = UnaryCall<epb::CampaignResponse>::start(response);
  auto waiter =
      concurrency::campaign(backend_, watches_, request->name(), request->lease(), request->value(),
                            [call](Result<concurrency::LeaderKey> leader, Header h) {
                              if (!leader) return call->fail(recipe_status(leader.error()));
                              call->reply([&](epb::CampaignResponse* out) {
                                set_header(out->mutable_header(), h);
                                epb::LeaderKey* key = out->mutable_leader();
                                key->set_name(leader->name);
                                key->set_key(leader->key);
                                key->set_rev(leader->rev);
                                key->set_lease(leader->lease);
                              });
                            });
  call->on_cancel([waiter] { waiter->cancel(); });
  return call.get();
}

ServerUnaryReactor* ElectionService::Proclaim(CallbackServerContext*,
                                              const epb::ProclaimRequest* request,
                                              epb::ProclaimResponse* response) {
  auto call = UnaryCall<epb::ProclaimResponse>::start(response);
  if (!request->has_leader()) {
    call->fail(missing_leader());
    return call.get();
  }
  concurrency::proclaim(backend_, from_pb(request->leader()), request->value(), header_reply(call));
  return call.get();
}

ServerUnaryReactor* ElectionService::Leader(CallbackServerContext*,
                                            const epb::LeaderRequest* request,
                                            epb::LeaderResponse* response) {
  auto call = UnaryCall<epb::LeaderResponse>::start(response);
  concurrency::leader(backend_, request->name(), [call](Result<mvcc::KeyValue> kv, Header h) {
    if (!kv) return call->fail(recipe_status(kv.error()));
    call->reply([&](epb::LeaderResponse* out) {
      set_header(out->mutable_header(), h);
      *out->mutable_kv() = to_pb(*kv);
    });
  });
  return call.get();
}

grpc::ServerWriteReactor<epb::LeaderResponse>* ElectionService::Observe(
    CallbackServerContext*, const epb::LeaderRequest* request) {
  auto reactor = ObserveReactor::start();
  reactor->observe(concurrency::observe(
      backend_, watches_, request->name(),
      [reactor](mvcc::KeyValue kv, Header h) { reactor->enqueue(kv, h); },
      [reactor] { reactor->ended(); }));
  return reactor.get();
}

ServerUnaryReactor* ElectionService::Resign(CallbackServerContext*,
                                            const epb::ResignRequest* request,
                                            epb::ResignResponse* response) {
  auto call = UnaryCall<epb::ResignResponse>::start(response);
  if (!request->has_leader()) {
    call->fail(missing_leader());
    return call.get();
  }
  concurrency::resign(backend_, from_pb(request->leader()), header_reply(call));
  return call.get();
}

}  // namespace etcd::v3rpc
