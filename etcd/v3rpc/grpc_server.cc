#include "etcd/v3rpc/grpc_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <chrono>
#include <limits>
#include <mutex>

#include <absl/synchronization/mutex.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/server_posix.h>
#include <spdlog/spdlog.h>

#include "etcd/v3rpc/services.h"

namespace etcd::v3rpc {

namespace {
// etcd's grpcOverheadBytes: room for the gRPC framing around a maximal request.
constexpr size_t kGrpcOverheadBytes = 512 * 1024;
}  // namespace

struct GrpcServer::Impl {
  Impl(Backend& backend, Options options)
      : kv(backend, options.max_txn_ops),
        watch(backend, watch_batching),
        lease(backend),
        maintenance(backend),
        cluster(backend),
        lock(backend),
        election(backend) {}
  WatchBatching watch_batching;  // before `watch`, which keeps a reference
  KvService kv;
  WatchService watch;
  LeaseService lease;
  MaintenanceService maintenance;
  ClusterService cluster;
  LockService lock;
  ElectionService election;
  std::unique_ptr<grpc::Server> server;
  std::mutex mutex;
  bool stopped = false;
};

GrpcServer::GrpcServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

GrpcServer::~GrpcServer() {
  shutdown();
}

Result<std::unique_ptr<GrpcServer>> GrpcServer::start(Backend& backend, Options options) {
  // Debian builds Abseil with its debug-build deadlock detection on: every gRPC mutex
  // acquisition then updates a lock graph (about 4 % of the member's CPU in a range
  // benchmark). Process-wide and idempotent.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  auto impl = std::make_unique<Impl>(backend, options);
  grpc::ServerBuilder builder;
  builder.RegisterService(&impl->kv);
  impl->watch.add_to(builder);
  builder.RegisterService(&impl->lease);
  builder.RegisterService(&impl->maintenance);
  builder.RegisterService(&impl->cluster);
  builder.RegisterService(&impl->lock);
  builder.RegisterService(&impl->election);
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(options.max_request_bytes + kGrpcOverheadBytes));
  builder.SetMaxSendMessageSize(std::numeric_limits<int>::max());
  impl->server = builder.BuildAndStart();
  if (!impl->server) return Error{"starting the v3 gRPC server failed"};
  impl->watch.start();
  return std::unique_ptr<GrpcServer>(new GrpcServer(std::move(impl)));
}

void GrpcServer::adopt(int fd) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->stopped) {
    ::close(fd);
    return;
  }
  // gRPC's endpoint reads without waiting: a blocking descriptor would stall its poller.
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    spdlog::warn("v3 gRPC: making an adopted connection non-blocking: {}", std::strerror(errno));
    ::close(fd);
    return;
  }
  // gRPC sets no socket options on an adopted descriptor: without TCP_NODELAY a small
  // reply after a small request waits ~40 ms for the peer's delayed ACK (Nagle).
  const int one = 1;
  if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
    spdlog::debug("v3 gRPC: TCP_NODELAY on an adopted connection: {}", std::strerror(errno));
  }
  grpc::AddInsecureChannelFromFd(impl_->server.get(), fd);
}

WatchBatching::Batch GrpcServer::batch_watch_writes() {
  return impl_->watch_batching.begin();
}

std::shared_ptr<grpc::Channel> GrpcServer::in_process_channel() {
  grpc::ChannelArguments args;
  // etcd's gateway takes answers of any size (grpc.MaxCallRecvMsgSize(math.MaxInt32)): a
  // large range must not fail at the client's default 4 MiB limit.
  args.SetMaxReceiveMessageSize(std::numeric_limits<int>::max());
  return impl_->server->InProcessChannel(args);
}

void GrpcServer::shutdown() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  // A deadline in the past: cancel whatever is still open at once.
  impl_->server->Shutdown(std::chrono::system_clock::now());
  impl_->server->Wait();
  impl_->watch.stop();  // its queue's threads took the ends of its calls
}

}  // namespace etcd::v3rpc
