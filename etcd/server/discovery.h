// Bootstrap by discovery (etcd's discovery protocol, against any etcd v2 keyspace such as
// another etcd2): the discovery URL names a directory whose `_config/size` says how many
// members the cluster will have; each new member registers itself as `<url>/<member id>`
// = "name=peerURL,..." and waits until `size` members have registered. The first `size`
// registrations (by creation order) form the cluster; anyone later finds it full.
#pragma once

#include <chrono>
#include <string>

#include "etcd/common/ids.h"
#include "etcd/common/result.h"

namespace etcd::server {

// Error code (in etcd::Error::code) when the cluster already has `size` members.
inline constexpr int kErrDiscoveryFull = 30;

struct DiscoveryOptions {
  std::string url;         // e.g. http://10.0.0.9:2379/v2/keys/discovery/6c007a14875d53d9
  NodeId self;             // this member's ID (derived with the discovery URL as token)
  std::string self_entry;  // "name=http://10.0.0.1:2380[,name=...]"
  std::chrono::milliseconds request_timeout{5000};
  std::chrono::milliseconds total_timeout{std::chrono::minutes(10)};
};

// Registers this member and waits for the rest; returns the initial cluster
// ("n1=u1,n2=u2,...") of the first `size` members. Connection errors are retried with
// backoff until total_timeout.
Result<std::string> join_by_discovery(const DiscoveryOptions& options);

}  // namespace etcd::server
