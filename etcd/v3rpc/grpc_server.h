// GrpcServer: the v3 gRPC services on connections the client HTTP server hands over (it
// listens on no port of its own: the v3 API shares the client URLs with v2, as in etcd).
#pragma once

#include <cstddef>
#include <memory>

#include "etcd/common/result.h"
#include "etcd/v3rpc/backend.h"
#include "etcd/v3rpc/watch_batching.h"

namespace grpc {
class Channel;
}  // namespace grpc

namespace etcd::v3rpc {

class GrpcServer {
 public:
  struct Options {
    size_t max_request_bytes = 1536 * 1024;  // --max-request-bytes
    int max_txn_ops = 128;                   // --max-txn-ops
  };

  static Result<std::unique_ptr<GrpcServer>> start(Backend& backend, Options options);
  ~GrpcServer();

  // Serves one accepted connection whose client has sent (or will send) the HTTP/2 preface.
  // Takes ownership of `fd`.
  void adopt(int fd);
  // Cancels every open call and stops serving; idempotent. Returns once every call ended.
  void shutdown();
  // Around one notification of the watchers (from one thread): the messages it makes leave
  // each connection coalesced (watch_batching.h).
  WatchBatching::Batch batch_watch_writes();

  // A channel to these services within the process (for the JSON gateway, which calls
  // them as etcd's gateway calls its own gRPC server).
  std::shared_ptr<grpc::Channel> in_process_channel();

 private:
  struct Impl;
  explicit GrpcServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace etcd::v3rpc
