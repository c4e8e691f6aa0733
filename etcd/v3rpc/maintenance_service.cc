// Maintenance (etcd v3rpc/maintenance.go) and Cluster (v3rpc/member.go).
#include <algorithm>
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

void set_member(pb::Member* out, const server::Member& m) {
  out->set_id(m.id.value);
  out->set_name(m.name);
  for (const auto& url : m.peer_urls)
    out->add_peerurls(url);
  for (const auto& url : m.client_urls)
    out->add_clienturls(url);
  out->set_islearner(m.is_learner);
}

template <typename Response>
void set_members(Response* out, const std::vector<server::Member>& members) {
  for (const auto& m : members)
    set_member(out->add_members(), m);
}

std::vector<std::string> urls_of(const google::protobuf::RepeatedPtrField<std::string>& urls) {
  return {urls.begin(), urls.end()};
}

// Answers a call whose response is only a header (Defragment, MoveLeader) or is filled by
// `fill(Response*, const T&)`.
template <typename T, typename Response, typename Fill>
Reply<T> replier(std::shared_ptr<UnaryCall<Response>> call, Fill fill) {
  return [call, fill = std::move(fill)](Result<T> result, Header h) {
    if (!result) return call->fail(to_status(result.error()));
    call->reply([&](Response* out) {
      set_header(out->mutable_header(), h);
      fill(out, *result);
    });
  };
}

}  // namespace

// --- Maintenance ---

ServerUnaryReactor* MaintenanceService::Alarm(CallbackServerContext*,
                                              const pb::AlarmRequest* request,
                                              pb::AlarmResponse* response) {
  auto call = UnaryCall<pb::AlarmResponse>::start(response);
  mvcc::AlarmRequest alarm;
  alarm.action = static_cast<mvcc::AlarmAction>(request->action());
  alarm.member_id = request->memberid();
  alarm.alarm = static_cast<mvcc::AlarmType>(request->alarm());
  if (request->action() < 0 || request->action() > 2 || request->alarm() < 0 ||
      request->alarm() > 2) {
    call->fail(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "etcdserver: unknown alarm"));
    return call.get();
  }
  // etcd 3.4 answers Alarm without a header.
  backend_.alarm(alarm, [call](Result<mvcc::AlarmResponse> result, Header) {
    if (!result) return call->fail(to_status(result.error()));
    call->reply([&](pb::AlarmResponse* out) {
      for (const auto& a : result->alarms) {
        auto* member = out->add_alarms();
        member->set_memberid(a.member_id);
        member->set_alarm(static_cast<pb::AlarmType>(a.alarm));
      }
    });
  });
  return call.get();
}

ServerUnaryReactor* MaintenanceService::Status(CallbackServerContext*, const pb::StatusRequest*,
                                               pb::StatusResponse* response) {
  auto call = UnaryCall<pb::StatusResponse>::start(response);
  backend_.status(replier<StatusInfo>(call, [](pb::StatusResponse* out, const StatusInfo& s) {
    out->set_version(s.version);
    out->set_dbsize(s.db_size);
    out->set_dbsizeinuse(s.db_size_in_use);
    out->set_leader(s.leader);
    out->set_raftindex(s.raft_index);
    out->set_raftterm(s.raft_term);
    out->set_raftappliedindex(s.raft_applied_index);
    out->set_islearner(s.is_learner);
    for (const auto& e : s.errors)
      out->add_errors(e);
  }));
  return call.get();
}

ServerUnaryReactor* MaintenanceService::Defragment(CallbackServerContext*,
                                                   const pb::DefragmentRequest*,
                                                   pb::DefragmentResponse* response) {
  // SQLite reuses freed pages itself; there is nothing to rewrite. etcd 3.4 answers
  // without a header.
  auto call = UnaryCall<pb::DefragmentResponse>::start(response);
  backend_.status([call](Result<StatusInfo> result, Header) {
    if (!result) return call->fail(to_status(result.error()));
    call->reply([](pb::DefragmentResponse*) {});
  });
  return call.get();
}

ServerUnaryReactor* MaintenanceService::Hash(CallbackServerContext*, const pb::HashRequest*,
                                             pb::HashResponse* response) {
  auto call = UnaryCall<pb::HashResponse>::start(response);
  backend_.hash_kv(0, replier<mvcc::HashKvResponse>(
                          call, [](pb::HashResponse* out, const mvcc::HashKvResponse& h) {
                            out->set_hash(h.hash);
                          }));
  return call.get();
}

ServerUnaryReactor* MaintenanceService::HashKV(CallbackServerContext*,
                                               const pb::HashKVRequest* request,
                                               pb::HashKVResponse* response) {
  auto call = UnaryCall<pb::HashKVResponse>::start(response);
  backend_.hash_kv(request->revision(), [call](Result<mvcc::HashKvResponse> result, Header h) {
    if (!result) return call->fail(to_status(result.error()));
    call->reply([&](pb::HashKVResponse* out) {
      set_header(out->mutable_header(), h);
      out->mutable_header()->set_revision(result->revision);
      out->set_hash(result->hash);
      // etcd's compact revision is -1 until the first compaction.
      out->set_compact_revision(result->compact_revision == 0 ? -1 : result->compact_revision);
    });
  });
  return call.get();
}

ServerUnaryReactor* MaintenanceService::MoveLeader(CallbackServerContext*,
                                                   const pb::MoveLeaderRequest* request,
                                                   pb::MoveLeaderResponse* response) {
  auto call = UnaryCall<pb::MoveLeaderResponse>::start(response);
  backend_.move_leader(request->targetid(),
                       replier<bool>(call, [](pb::MoveLeaderResponse*, bool) {}));
  return call.get();
}

namespace {

// Streams the backend file as etcd does: chunks of 32 KiB, each with the file's bytes still
// to come, then the file's SHA-256 alone (remaining 0), so there are always two messages
// at least.
class SnapshotWriter final : public grpc::ServerWriteReactor<pb::SnapshotResponse> {
 public:
  static constexpr size_t kChunkBytes = 32 * 1024;
  static constexpr size_t kDigestBytes = 32;

  explicit SnapshotWriter(Backend& backend) : self_(this) {
    backend.snapshot(
        [weak = std::weak_ptr<SnapshotWriter>(self_)](Result<std::string> image, Header h) {
          auto self = weak.lock();
          if (!self) return;
          std::lock_guard lock(self->mutex_);
          if (self->done_) return;
          if (!image) {
            self->done_ = true;
            self->Finish(to_status(image.error()));
            return;
          }
          self->image_ = std::move(image).value();
          self->header_ = h;
          self->next_chunk();
        });
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mutex_);
    if (done_) return;
    if (!ok) {
      done_ = true;
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "snapshot: client went away"));
      return;
    }
    next_chunk();
  }
  void OnCancel() override {
    std::lock_guard lock(mutex_);
    if (done_) return;
    done_ = true;
    Finish(grpc::Status::CANCELLED);
  }
  void OnDone() override { auto last = std::move(self_); }

 private:
  // Under mutex_.
  void next_chunk() {
    if (sent_ >= image_.size()) {
      done_ = true;
      Finish(grpc::Status::OK);
      return;
    }
    const size_t file = image_.size() - std::min(image_.size(), kDigestBytes);
    const size_t n = sent_ < file ? std::min(kChunkBytes, file - sent_) : image_.size() - sent_;
    chunk_.Clear();
    set_header(chunk_.mutable_header(), header_);
    chunk_.set_blob(image_.substr(sent_, n));
    sent_ += n;
    chunk_.set_remaining_bytes(sent_ < file ? file - sent_ : 0);
    StartWrite(&chunk_);
  }

  std::shared_ptr<SnapshotWriter> self_;
  // Recursive: gRPC may run a reaction inline from a Start* call made under the lock.
  std::recursive_mutex mutex_;
  bool done_ = false;
  std::string image_;
  Header header_;
  size_t sent_ = 0;
  pb::SnapshotResponse chunk_;
};

}  // namespace

grpc::ServerWriteReactor<pb::SnapshotResponse>* MaintenanceService::Snapshot(
    CallbackServerContext*, const pb::SnapshotRequest*) {
  return new SnapshotWriter(backend_);
}

// --- Cluster ---

ServerUnaryReactor* ClusterService::MemberAdd(CallbackServerContext*,
                                              const pb::MemberAddRequest* request,
                                              pb::MemberAddResponse* response) {
  auto call = UnaryCall<pb::MemberAddResponse>::start(response);
  backend_.member_add(
      urls_of(request->peerurls()), request->islearner(),
      replier<MemberChange>(call, [](pb::MemberAddResponse* out, const MemberChange& c) {
        set_member(out->mutable_member(), c.member);
        set_members(out, c.members);
      }));
  return call.get();
}

ServerUnaryReactor* ClusterService::MemberRemove(CallbackServerContext*,
                                                 const pb::MemberRemoveRequest* request,
                                                 pb::MemberRemoveResponse* response) {
  auto call = UnaryCall<pb::MemberRemoveResponse>::start(response);
  backend_.member_remove(
      request->id(),
      replier<MemberChange>(call, [](pb::MemberRemoveResponse* out, const MemberChange& c) {
        set_members(out, c.members);
      }));
  return call.get();
}

ServerUnaryReactor* ClusterService::MemberUpdate(CallbackServerContext*,
                                                 const pb::MemberUpdateRequest* request,
                                                 pb::MemberUpdateResponse* response) {
  auto call = UnaryCall<pb::MemberUpdateResponse>::start(response);
  backend_.member_update(
      request->id(), urls_of(request->peerurls()),
      replier<MemberChange>(call, [](pb::MemberUpdateResponse* out, const MemberChange& c) {
        set_members(out, c.members);
      }));
  return call.get();
}

ServerUnaryReactor* ClusterService::MemberList(CallbackServerContext*, const pb::MemberListRequest*,
                                               pb::MemberListResponse* response) {
  auto call = UnaryCall<pb::MemberListResponse>::start(response);
  backend_.member_list(replier<std::vector<server::Member>>(
      call, [](pb::MemberListResponse* out, const std::vector<server::Member>& members) {
        set_members(out, members);
      }));
  return call.get();
}

ServerUnaryReactor* ClusterService::MemberPromote(CallbackServerContext*,
                                                  const pb::MemberPromoteRequest* request,
                                                  pb::MemberPromoteResponse* response) {
  auto call = UnaryCall<pb::MemberPromoteResponse>::start(response);
  backend_.member_promote(
      request->id(),
      replier<MemberChange>(call, [](pb::MemberPromoteResponse* out, const MemberChange& c) {
        set_members(out, c.members);
      }));
  return call.get();
}

}  // namespace etcd::v3rpc
