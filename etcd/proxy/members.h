// What a proxy needs from a member's peer-port GET /members answer: every member's client
// URLs (where requests go) and peer URLs (where the next refresh asks, and what the
// cluster file keeps). Both sorted and de-duplicated, as etcd's Cluster.ClientURLs().
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "etcd/common/result.h"

namespace etcd::proxy {

struct ClusterUrls {
  std::vector<std::string> client_urls;
  std::vector<std::string> peer_urls;
};

// {"clusterID":"..","members":[{"peerURLs":[..],"clientURLs":[..],..},..]}
Result<ClusterUrls> parse_members(std::string_view json_text);

}  // namespace etcd::proxy
