#include "etcd/v3rpc/forward.h"

#include <chrono>
#include <memory>
#include <string_view>

#include <grpcpp/grpcpp.h>

#include "etcdserverpb/rpc.grpc.pb.h"

namespace etcd::v3rpc {

void forward_member_promote(const std::string& client_url, uint64_t id, int64_t timeout_ms,
                            std::function<void(Result<void>)> done) {
  constexpr std::string_view kHttp = "http://";
  if (!client_url.starts_with(kHttp)) {
    return done(Error{"etcdserver: not leader (cannot forward to " + client_url + ")"});
  }
  std::string target = client_url.substr(kHttp.size());
  if (auto slash = target.find('/'); slash != std::string::npos) target.resize(slash);
  // One call's state, alive until its callback ran.
  struct Call {
    std::unique_ptr<etcdserverpb::Cluster::Stub> stub;
    grpc::ClientContext context;
    etcdserverpb::MemberPromoteRequest request;
    etcdserverpb::MemberPromoteResponse response;
  };
  auto call = std::make_shared<Call>();
  call->stub = etcdserverpb::Cluster::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  call->context.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::milliseconds(timeout_ms));
  call->request.set_id(id);
  call->stub->async()->MemberPromote(&call->context, &call->request, &call->response,
                                     [call, done = std::move(done)](grpc::Status status) {
                                       if (status.ok()) return done(Ok{});
                                       done(Error{status.error_message()});
                                     });
}

}  // namespace etcd::v3rpc
