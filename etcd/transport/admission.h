// Admission: the decision whether an inbound raft request (stream or snapshot) may enter.
// The peer port accepts raft traffic only from current members of this cluster (issue 7):
// the request must name our cluster, name us as its receiver, and come from a member.
// Pure function of its inputs; safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "etcd/common/ids.h"
#include "etcd/common/result.h"

namespace etcd::transport {

// The identifying header values of a request, as received (possibly empty).
struct PeerHeaders {
  std::string_view cluster_id;  // X-Etcd-Cluster-ID
  std::string_view from;        // X-Server-From
  std::string_view to;          // X-Server-To
};

struct LocalIdentity {
  uint64_t cluster_id = 0;
  NodeId member_id;
};

// HTTP statuses of a refusal; carried in Error::code.
inline constexpr int kStatusBadRequest = 400;          // missing or malformed header
inline constexpr int kStatusForbidden = 403;           // sender is not a member
inline constexpr int kStatusPreconditionFailed = 412;  // wrong cluster, or not meant for us
inline constexpr int kStatusGone = 410;                // sender was removed from the cluster

// What the receiver knows of a sender.
enum class SenderStatus { member, removed, unknown };

// The refusal a removed member gets; its transport recognises the 410 and reports it.
inline constexpr std::string_view kRemovedMessage =
    "the member has been permanently removed from the cluster";

// Returns the sender's member id when admitted; otherwise an Error whose code is the HTTP
// status to answer and whose message says why in words an operator can act on, e.g.
// "cluster ID mismatch: local 00000000000000aa, remote 00000000000000bb".
Result<NodeId> admit(const PeerHeaders& headers, const LocalIdentity& local,
                     const std::function<SenderStatus(NodeId)>& sender_status);
// The same with a plain membership test (never "removed").
Result<NodeId> admit(const PeerHeaders& headers, const LocalIdentity& local,
                     const std::function<bool(NodeId)>& is_member);

}  // namespace etcd::transport
