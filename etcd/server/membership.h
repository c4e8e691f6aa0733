// Membership: the cluster's members as the applied log defines them. Changed only by
// applying conf change entries (and restoring snapshots), so every member holds the same
// view at the same index. Removed IDs are remembered forever: a removed member may never
// rejoin under its old ID. Owned by the server's raft loop; not thread-safe.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "etcd/server/member.h"

namespace etcd::server {

class Membership {
 public:
  Membership() = default;
  explicit Membership(uint64_t cluster_id) : cluster_id_(cluster_id) {}

  uint64_t cluster_id() const { return cluster_id_; }
  void set_cluster_id(uint64_t id) { cluster_id_ = id; }

  const Member* find(NodeId id) const;
  const std::map<NodeId, Member>& members() const { return members_; }
  std::vector<NodeId> ids() const;
  bool is_removed(NodeId id) const { return removed_.count(id) != 0; }
  const std::set<NodeId>& removed() const { return removed_; }
  // The member whose peer URLs include url, if any.
  const Member* find_by_peer_url(const std::string& url) const;

  // Adds (or, for a learner being promoted, updates) a member. Fails if the ID was removed.
  Result<void> add(Member member);
  Result<void> remove(NodeId id);
  Result<void> update_peer_urls(NodeId id, std::vector<std::string> peer_urls);
  // Name and client URLs a member publishes about itself once it runs.
  Result<void> update_attributes(NodeId id, std::string name, std::vector<std::string> client_urls);
  Result<void> promote(NodeId id);

  // Binary form for snapshots.
  std::string encode() const;
  static Result<Membership> decode(std::string_view in);

 private:
  uint64_t cluster_id_ = 0;
  std::map<NodeId, Member> members_;
  std::set<NodeId> removed_;
};

}  // namespace etcd::server
