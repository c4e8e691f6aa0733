// The v3 gRPC services (etcdserverpb; v3lockpb and v3electionpb at the end) on the
// callback API, Watch on the async API (watch_service.cc says why), each a thin layer: validate as
// etcd's v3rpc layer does, convert protobuf to etcd/mvcc values, ask the Backend, convert the
// answer back. No state of their own beyond open streams.
#pragma once

#include <memory>

#include "etcd/v3rpc/backend.h"
#include "etcd/v3rpc/concurrency.h"
#include "etcd/v3rpc/watch_batching.h"
#include "etcdserverpb/rpc.grpc.pb.h"
#include "v3electionpb/v3election.grpc.pb.h"
#include "v3lockpb/v3lock.grpc.pb.h"

namespace etcd::v3rpc {

namespace pb = etcdserverpb;
using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

class KvService final : public pb::KV::CallbackService {
 public:
  KvService(Backend& backend, int max_txn_ops) : backend_(backend), max_txn_ops_(max_txn_ops) {}

  ServerUnaryReactor* Range(CallbackServerContext*, const pb::RangeRequest* request,
                            pb::RangeResponse* response) override;
  ServerUnaryReactor* Put(CallbackServerContext*, const pb::PutRequest* request,
                          pb::PutResponse* response) override;
  ServerUnaryReactor* DeleteRange(CallbackServerContext*, const pb::DeleteRangeRequest* request,
                                  pb::DeleteRangeResponse* response) override;
  ServerUnaryReactor* Txn(CallbackServerContext*, const pb::TxnRequest* request,
                          pb::TxnResponse* response) override;
  ServerUnaryReactor* Compact(CallbackServerContext*, const pb::CompactionRequest* request,
                              pb::CompactionResponse* response) override;

 private:
  template <typename Answer, typename Response>
  ServerUnaryReactor* write(mvcc::WriteRequest request, Response* response);

  Backend& backend_;
  int max_txn_ops_;
};

// Watch, on gRPC's async API with a completion queue and threads of its own (why:
// watch_service.cc). Its steps follow the server's: add_to before the server is built,
// start once it runs, stop after its Shutdown returned.
class WatchService {
 public:
  WatchService(Backend& backend, WatchBatching& batching);
  ~WatchService();
  WatchService(const WatchService&) = delete;
  WatchService& operator=(const WatchService&) = delete;

  void add_to(grpc::ServerBuilder& builder);
  void start();
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

class LeaseService final : public pb::Lease::CallbackService {
 public:
  explicit LeaseService(Backend& backend) : backend_(backend) {}

  ServerUnaryReactor* LeaseGrant(CallbackServerContext*, const pb::LeaseGrantRequest* request,
                                 pb::LeaseGrantResponse* response) override;
  ServerUnaryReactor* LeaseRevoke(CallbackServerContext*, const pb::LeaseRevokeRequest* request,
                                  pb::LeaseRevokeResponse* response) override;
  grpc::ServerBidiReactor<pb::LeaseKeepAliveRequest, pb::LeaseKeepAliveResponse>* LeaseKeepAlive(
      CallbackServerContext* context) override;
  ServerUnaryReactor* LeaseTimeToLive(CallbackServerContext*,
                                      const pb::LeaseTimeToLiveRequest* request,
                                      pb::LeaseTimeToLiveResponse* response) override;
  ServerUnaryReactor* LeaseLeases(CallbackServerContext*, const pb::LeaseLeasesRequest* request,
                                  pb::LeaseLeasesResponse* response) override;

 private:
  Backend& backend_;
};

class MaintenanceService final : public pb::Maintenance::CallbackService {
 public:
  explicit MaintenanceService(Backend& backend) : backend_(backend) {}

  ServerUnaryReactor* Alarm(CallbackServerContext*, const pb::AlarmRequest* request,
                            pb::AlarmResponse* response) override;
  ServerUnaryReactor* Status(CallbackServerContext*, const pb::StatusRequest* request,
                             pb::StatusResponse* response) override;
  ServerUnaryReactor* Defragment(CallbackServerContext*, const pb::DefragmentRequest* request,
                                 pb::DefragmentResponse* response) override;
  ServerUnaryReactor* Hash(CallbackServerContext*, const pb::HashRequest* request,
                           pb::HashResponse* response) override;
  ServerUnaryReactor* HashKV(CallbackServerContext*, const pb::HashKVRequest* request,
                             pb::HashKVResponse* response) override;
  grpc::ServerWriteReactor<pb::SnapshotResponse>* Snapshot(
      CallbackServerContext* context, const pb::SnapshotRequest* request) override;
  ServerUnaryReactor* MoveLeader(CallbackServerContext*, const pb::MoveLeaderRequest* request,
                                 pb::MoveLeaderResponse* response) override;

 private:
  Backend& backend_;
};

class ClusterService final : public pb::Cluster::CallbackService {
 public:
  explicit ClusterService(Backend& backend) : backend_(backend) {}

  ServerUnaryReactor* MemberAdd(CallbackServerContext*, const pb::MemberAddRequest* request,
                                pb::MemberAddResponse* response) override;
  ServerUnaryReactor* MemberRemove(CallbackServerContext*, const pb::MemberRemoveRequest* request,
                                   pb::MemberRemoveResponse* response) override;
  ServerUnaryReactor* MemberUpdate(CallbackServerContext*, const pb::MemberUpdateRequest* request,
                                   pb::MemberUpdateResponse* response) override;
  ServerUnaryReactor* MemberList(CallbackServerContext*, const pb::MemberListRequest* request,
                                 pb::MemberListResponse* response) override;
  ServerUnaryReactor* MemberPromote(CallbackServerContext*, const pb::MemberPromoteRequest* request,
                                    pb::MemberPromoteResponse* response) override;

 private:
  Backend& backend_;
};

// Lock (v3lockpb) and Election (v3electionpb): etcd 3.4's server-side recipes
// (concurrency.h). Each holds one watch stream of the member for the waits of all its
// calls, closed when the service is destroyed. Errors are UNKNOWN with etcd's text
// (recipe_status), as etcd's servers return the errors of their own client.
grpc::Status recipe_status(const Error& error);

class LockService final : public v3lockpb::Lock::CallbackService {
 public:
  explicit LockService(Backend& backend)
      : backend_(backend), watches_(concurrency::WatchMux::create(backend)) {}
  ~LockService() override { watches_->close(); }

  ServerUnaryReactor* Lock(CallbackServerContext*, const v3lockpb::LockRequest* request,
                           v3lockpb::LockResponse* response) override;
  ServerUnaryReactor* Unlock(CallbackServerContext*, const v3lockpb::UnlockRequest* request,
                             v3lockpb::UnlockResponse* response) override;

 private:
  Backend& backend_;
  std::shared_ptr<concurrency::WatchMux> watches_;
};

class ElectionService final : public v3electionpb::Election::CallbackService {
 public:
  explicit ElectionService(Backend& backend)
      : backend_(backend), watches_(concurrency::WatchMux::create(backend)) {}
  ~ElectionService() override { watches_->close(); }

  ServerUnaryReactor* Campaign(CallbackServerContext*, const v3electionpb::CampaignRequest* request,
                               v3electionpb::CampaignResponse* response) override;
  ServerUnaryReactor* Proclaim(CallbackServerContext*, const v3electionpb::ProclaimRequest* request,
                               v3electionpb::ProclaimResponse* response) override;
  ServerUnaryReactor* Leader(CallbackServerContext*, const v3electionpb::LeaderRequest* request,
                             v3electionpb::LeaderResponse* response) override;
  grpc::ServerWriteReactor<v3electionpb::LeaderResponse>* Observe(
      CallbackServerContext*, const v3electionpb::LeaderRequest* request) override;
  ServerUnaryReactor* Resign(CallbackServerContext*, const v3electionpb::ResignRequest* request,
                             v3electionpb::ResignResponse* response) override;

 private:
  Backend& backend_;
  std::shared_ptr<concurrency::WatchMux> watches_;
};

}  // namespace etcd::v3rpc
