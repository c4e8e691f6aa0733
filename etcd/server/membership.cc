#include "etcd/server/membership.h"

#include <algorithm>

#include "etcd/common/bytes.h"

namespace etcd::server {

const Member* Membership::find(NodeId id) const {
  auto it = members_.find(id);
  return it == members_.end() ? nullptr : &it->second;
}

std::vector<NodeId> Membership::ids() const {
  std::vector<NodeId> out;
  for (const auto& [id, m] : members_) out.push_back(id);
  return out;
}

const Member* Membership::find_by_peer_url(const std::string& url) const {
  for (const auto& [id, m] : members_) {
    if (std::find(m.peer_urls.begin(), m.peer_urls.end(), url) != m.peer_urls.end()) return &m;
  }
  return nullptr;
}

Result<void> Membership::add(Member member) {
  if (is_removed(member.id)) return Error{"membership: ID removed"};
  std::sort(member.peer_urls.begin(), member.peer_urls.end());
  auto it = members_.find(member.id);
  if (it != members_.end()) {
    // Re-adding is idempotent (bootstrap entries are applied twice); keep published fields.
    it->second.peer_urls = member.peer_urls;
    it->second.is_learner = member.is_learner && it->second.is_learner;
    return Ok{};
  }
  members_.emplace(member.id, std::move(member));
  return Ok{};
}

Result<void> Membership::remove(NodeId id) {
  if (!members_.erase(id)) return Error{"membership: member not found"};
  removed_.insert(id);
  return Ok{};
}

Result<void> Membership::update_peer_urls(NodeId id, std::vector<std::string> peer_urls) {
  auto it = members_.find(id);
  if (it == members_.end()) return Error{"membership: member not found"};
  std::sort(peer_urls.begin(), peer_urls.end());
  it->second.peer_urls = std::move(peer_urls);
  return Ok{};
}

Result<void> Membership::update_attributes(NodeId id, std::string name,
                                           std::vector<std::string> client_urls) {
  auto it = members_.find(id);
  if (it == members_.end()) return Error{"membership: member not found"};
  it->second.name = std::move(name);
  it->second.client_urls = std::move(client_urls);
  return Ok{};
}

Result<void> Membership::promote(NodeId id) {
  auto it = members_.find(id);
  if (it == members_.end()) return Error{"membership: member not found"};
  it->second.is_learner = false;
  return Ok{};
}

std::string Membership::encode() const {
  std::string out;
  ByteWriter w(out);
  w.u8(1);
  w.u64(cluster_id_);
  w.u32(static_cast<uint32_t>(members_.size()));
  for (const auto& [id, m] : members_) {
    std::string one;
    server::encode(m, one);
    w.bytes(one);
  }
  w.u32(static_cast<uint32_t>(removed_.size()));
  for (NodeId id : removed_) w.u64(id.value);
  return out;
}

Result<Membership> Membership::decode(std::string_view in) {
  ByteReader r(in);
  Membership ms;
  uint8_t version = 0;
  uint32_t n = 0;
  if (!r.u8(version) || version != 1 || !r.u64(ms.cluster_id_) || !r.count(n, 4)) {
    return Error{"malformed membership"};
  }
  for (uint32_t i = 0; i < n; ++i) {
    std::string one;
    if (!r.bytes(one)) return Error{"malformed membership"};
    auto m = decode_member(one);
    if (!m) return m.error();
    ms.members_.emplace(m->id, std::move(m).value());
  }
  if (!r.count(n, 8)) return Error{"malformed membership"};
  for (uint32_t i = 0; i < n; ++i) {
    NodeId id;
    if (!r.u64(id.value)) return Error{"malformed membership"};
    ms.removed_.insert(id);
  }
  if (!r.at_end()) return Error{"malformed membership"};
  return ms;
}

}  // namespace etcd::server
