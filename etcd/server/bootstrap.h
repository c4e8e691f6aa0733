// bootstrap: turns a data directory plus the cluster flags into the DiskState a
// ServerCore starts from, in one of three ways:
//   restart — the data dir holds a WAL: identity, log, membership and state come from disk
//             and the --initial-cluster* flags are ignored (as in etcd);
//   new     — --initial-cluster-state new: every member derives the same IDs from
//             --initial-cluster and --initial-cluster-token and raft is bootstrapped with
//             them as its first committed entries;
//   join    — --initial-cluster-state existing: the running cluster's membership (fetched
//             from a peer) tells this member its ID; the leader then sends it the log.
// Refuses, with a message naming the cause, a data dir of another member or cluster, a
// removed member's data dir, a name missing from --initial-cluster, and damaged files.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "etcd/common/result.h"
#include "etcd/server/server_core.h"

namespace etcd::server {

struct BootstrapConfig {
  std::string name;
  std::string data_dir;
  std::string wal_dir;  // empty: <data-dir>/member/wal
  std::vector<std::string> advertise_peer_urls;
  // (name, peer URL) pairs of --initial-cluster; a name may repeat.
  std::vector<std::pair<std::string, std::string>> initial_cluster;
  bool join_existing = false;
  // Restart this member's data as a one-member cluster (disaster recovery): every other
  // member is removed by committed conf changes appended to the log.
  bool force_new_cluster = false;
  std::string cluster_token = "etcd-cluster";
  uint64_t wal_segment_bytes = uint64_t{64} << 20;
};

// Asks the running cluster (through the given peer URLs) for its membership.
using FetchMembership = std::function<Result<Membership>(const std::vector<std::string>& peer_urls)>;

struct Bootstrapped {
  DiskState disk;
  NodeId id;
  uint64_t cluster_id = 0;
  std::string how;  // "new", "join" or "restart", for the log
};

Result<Bootstrapped> bootstrap(const BootstrapConfig& config, const FetchMembership& fetch);

// The members --initial-cluster describes, IDs derived as etcd derives them.
Result<Membership> initial_membership(const BootstrapConfig& config);

}  // namespace etcd::server
