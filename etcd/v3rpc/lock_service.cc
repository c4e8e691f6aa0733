// Lock (etcd 3.4's v3lock server): Lock waits without holding a thread; a call canceled
// while it waits (client gone, deadline passed) deletes the key it queued with.
#include "etcd/v3rpc/convert.h"
#include "etcd/v3rpc/services.h"
#include "etcd/v3rpc/unary_call.h"

namespace etcd::v3rpc {

grpc::Status recipe_status(const Error& error) {
  // etcd's clientv3 turns its server's status into a plain error with the same text; the
  // lock and election servers return that, which gRPC sends as UNKNOWN.
  return grpc::Status(grpc::StatusCode::UNKNOWN, to_status(error).error_message());
}

ServerUnaryReactor* LockService::Lock(CallbackServerContext*, const v3lockpb::LockRequest* request,
                                      v3lockpb::LockResponse* response) {
  auto call = UnaryCall<v3lockpb::LockResponse>::start(response);
  auto waiter = concurrency::lock(backend_, watches_, request->name(), request->lease(),
                                  [call](Result<std::string> key, Header h) {
                                    if (!key) return call->fail(recipe_status(key.error()));
                                    call->reply([&](v3lockpb::LockResponse* out) {
                                      fill_header(out->mutable_header(), h.cluster_id, h.member_id,
                                                  h.revision, h.raft_term);
                                      out->set_key(*key);
                                    });
                                  });
  call->on_cancel([waiter] { waiter->cancel(); });
  return call.get();
}

ServerUnaryReactor* LockService::Unlock(CallbackServerContext*,
                                        const v3lockpb::UnlockRequest* request,
                                        v3lockpb::UnlockResponse* response) {
  auto call = UnaryCall<v3lockpb::UnlockResponse>::start(response);
  concurrency::unlock(backend_, request->key(), [call](Result<void> done, Header h) {
    if (!done) return call->fail(recipe_status(done.error()));
    call->reply([&](v3lockpb::UnlockResponse* out) {
      fill_header(out->mutable_header(), h.cluster_id, h.member_id, h.revision, h.raft_term);
    });
  });
  return call.get();
}

}  // namespace etcd::v3rpc
