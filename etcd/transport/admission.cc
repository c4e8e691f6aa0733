#include "etcd/transport/admission.h"

#include <string>

#include "etcd/transport/wire.h"

namespace etcd::transport {
namespace {

Error refuse(int status, std::string message) {
  return Error{std::move(message), status};
}

}  // namespace

Result<NodeId> admit(const PeerHeaders& headers, const LocalIdentity& local,
                     const std::function<bool(NodeId)>& is_member) {
  return admit(headers, local, [&](NodeId id) {
    return is_member(id) ? SenderStatus::member : SenderStatus::unknown;
  });
}

Result<NodeId> admit(const PeerHeaders& headers, const LocalIdentity& local,
                     const std::function<SenderStatus(NodeId)>& sender_status) {
  const auto cluster = wire::parse_id(headers.cluster_id);
  const auto from = wire::parse_id(headers.from);
  const auto to = wire::parse_id(headers.to);
  if (!cluster || !from || !to || *from == 0) {
    return refuse(kStatusBadRequest,
                  "missing or malformed X-Etcd-Cluster-ID, X-Server-From "
                  "or X-Server-To header");
  }
  if (*cluster != local.cluster_id) {
    return refuse(kStatusPreconditionFailed, "cluster ID mismatch: local " +
                                                 wire::format_id(local.cluster_id) + ", remote " +
                                                 wire::format_id(*cluster));
  }
  if (*to != local.member_id.value) {
    return refuse(kStatusPreconditionFailed, "receiver ID mismatch: this member is " +
                                                 wire::format_id(local.member_id.value) +
                                                 ", request is for " + wire::format_id(*to));
  }
  const SenderStatus status = sender_status(NodeId(*from));
  if (status == SenderStatus::removed) {
    // etcd answers 410 Gone: the removed member learns it even if raft never tells it.
    return refuse(kStatusGone, std::string(kRemovedMessage));
  }
  if (status != SenderStatus::member) {
    return refuse(kStatusForbidden,
                  "sender " + wire::format_id(*from) + " is not a member of this cluster");
  }
  return NodeId(*from);
}

}  // namespace etcd::transport
