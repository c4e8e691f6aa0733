// The values the etcd v2 API hands back, as plain structs: a key's Node, the Response of
// a keys call, a cluster Member, the server Version. Field meanings follow the wire
// (docs/etcdclient.md, shared/reference/etcd-v2-wire.md); nothing here does I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace etcd::client {

// A key or directory. Fields the server leaves out stay empty/zero.
struct Node {
  std::string key;    // absolute path, e.g. "/coreos.com/updateengine/rebootlock/semaphore"
  std::string value;  // empty for directories and for deleted/expired nodes
  bool dir = false;
  // RFC 3339 expiry exactly as sent (e.g. "2026-11-22T14:53:23.400383527Z"), when the
  // node has a TTL; `ttl` is then the whole seconds left (rounded up by the server).
  std::optional<std::string> expiration;
  int64_t ttl = 0;
  uint64_t created_index = 0;
  uint64_t modified_index = 0;
  std::vector<Node> nodes;  // a directory's children (all levels when read recursively)

  bool operator==(const Node&) const = default;
};

// The answer to a successful keys call or a watch event.
struct Response {
  // get, set, create, update, compareAndSwap, delete, compareAndDelete, expire
  std::string action;
  Node node;
  std::optional<Node> prev_node;  // the node before a write, when there was one
  uint64_t etcd_index = 0;        // X-Etcd-Index: the store index when answered
  uint64_t raft_index = 0;        // X-Raft-Index (0 when absent)
  uint64_t raft_term = 0;         // X-Raft-Term (0 when absent)
  std::string cluster_id;         // X-Etcd-Cluster-Id (hex, as sent)

  bool operator==(const Response&) const = default;
};

// A cluster member as /v2/members lists it. `name` and `client_urls` are empty until the
// member has started and published itself.
struct Member {
  std::string id;  // hex, as sent (no leading zeros)
  std::string name;
  std::vector<std::string> peer_urls;
  std::vector<std::string> client_urls;

  bool operator==(const Member&) const = default;
};

// GET /version.
struct Version {
  std::string server;   // etcdserver, e.g. "2.3.8" or "3.4.23"
  std::string cluster;  // etcdcluster, e.g. "2.3.0"

  bool operator==(const Version&) const = default;
};

}  // namespace etcd::client
