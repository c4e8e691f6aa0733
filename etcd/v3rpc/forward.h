// Calls a member makes on another member's v3 API: a follower hands a MemberPromote to the
// leader, which alone knows whether the learner has caught up (etcd forwards it the same
// way). Plain-text client URLs only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "etcd/common/result.h"

namespace etcd::v3rpc {

// Asks the member serving `client_url` ("http://host:port") to promote learner `id`.
// `done` runs once, on a gRPC thread: Ok, or the leader's error text (etcd's), or a
// transport error.
void forward_member_promote(const std::string& client_url, uint64_t id, int64_t timeout_ms,
                            std::function<void(Result<void>)> done);

}  // namespace etcd::v3rpc
