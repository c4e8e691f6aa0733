// Members and their identities. IDs are derived exactly as etcd derives them, so members
// bootstrapped from the same --initial-cluster and --initial-cluster-token agree on every
// ID (and the cluster ID) without talking to each other.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "etcd/common/ids.h"
#include "etcd/common/result.h"

namespace etcd::server {

struct Member {
  NodeId id;
  std::string name;                      // empty until the member has started and published
  std::vector<std::string> peer_urls;    // sorted
  std::vector<std::string> client_urls;  // as advertised by the member itself
  bool is_learner = false;

  bool operator==(const Member&) const = default;
};

// etcd's NewMember: SHA-1 over the sorted peer URLs, the cluster token and (for members
// added at runtime) the Unix time in seconds; the first 8 bytes big-endian.
NodeId member_id(std::vector<std::string> peer_urls, std::string_view cluster_token,
                 std::optional<int64_t> unix_seconds = std::nullopt);

// etcd's RaftCluster.genID: SHA-1 over the sorted member IDs as 8-byte big-endian words.
uint64_t cluster_id(std::vector<NodeId> member_ids);

// 16 lower-case hex digits, as etcd prints IDs.
std::string id_to_hex(uint64_t id);
std::optional<uint64_t> id_from_hex(std::string_view hex);

// Binary form, carried in conf change contexts and the membership snapshot.
void encode(const Member& member, std::string& out);
Result<Member> decode_member(std::string_view in);

}  // namespace etcd::server
