// UnaryCall: a unary gRPC call (callback API) answered later, from any thread, by a
// Backend callback. Exactly one of reply()/fail()/cancellation finishes it; once the call
// has ended (client gone, server shutting down) a late answer is dropped without touching
// the response, which gRPC frees at OnDone. The reactor keeps itself alive until OnDone
// and for as long as a pending callback holds it.
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include <grpcpp/grpcpp.h>

namespace etcd::v3rpc {

template <typename Response>
class UnaryCall final : public grpc::ServerUnaryReactor {
 public:
  static std::shared_ptr<UnaryCall> start(Response* response) {
    auto call = std::shared_ptr<UnaryCall>(new UnaryCall(response));
    call->self_ = call;
    return call;
  }

  // Fills the response with `fill(Response*)` and finishes with OK.
  template <typename Fill>
  void reply(Fill&& fill) {
    if (finished_.exchange(true)) return;
    fill(response_);
    Finish(grpc::Status::OK);
  }
  void fail(grpc::Status status) {
    if (finished_.exchange(true)) return;
    Finish(std::move(status));
  }

  // Runs `hook` if the call is canceled (client gone, deadline passed), for calls that
  // must undo work of their own then (a waiting Lock deletes its key). Set it before the
  // reactor is handed to gRPC; it is dropped at OnDone.
  void on_cancel(std::function<void()> hook) { cancel_hook_ = std::move(hook); }

  void OnCancel() override {
    fail(grpc::Status::CANCELLED);
    if (cancel_hook_) cancel_hook_();
  }
  void OnDone() override {
    // The hook may hold what holds the call: dropped first, so that neither outlives it.
    cancel_hook_ = nullptr;
    // Drops the self-reference; if no callback still holds the call, it is freed as this
    // returns (like `delete this` at the end of OnDone).
    auto last = std::move(self_);
  }

 private:
  explicit UnaryCall(Response* response) : response_(response) {}

  Response* response_;
  std::atomic<bool> finished_{false};
  std::function<void()> cancel_hook_;  // gRPC runs OnCancel before OnDone, never together
  std::shared_ptr<UnaryCall> self_;    // set in start(), dropped in OnDone()
};

}  // namespace etcd::v3rpc
