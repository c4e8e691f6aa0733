#include "etcd/server/persisted_state.h"

#include "etcd/raft/codec.h"

namespace etcd::server {
namespace {

constexpr std::string_view kMembershipKey = "server/membership";
constexpr std::string_view kConfStateKey = "server/conf_state";

}  // namespace

void save_membership(store::Store& store, const Membership& membership,
                     const raft::ConfState& conf_state) {
  store.put_meta(kMembershipKey, membership.encode());
  store.put_meta(kConfStateKey, raft::encode(raft::SnapshotMetadata{{}, {}, conf_state}));
}

Result<PersistedMembership> load_membership(store::Store& store) {
  PersistedMembership out;
  if (auto bytes = store.meta(kMembershipKey)) {
    auto membership = Membership::decode(*bytes);
    if (!membership) return Error{"store: " + membership.error().message};
    out.membership = std::move(membership).value();
  }
  if (auto bytes = store.meta(kConfStateKey)) {
    auto metadata = raft::decode_snapshot_metadata(*bytes);
    if (!metadata) return Error{"store: malformed raft configuration"};
    out.conf_state = metadata->conf_state;
  }
  return out;
}

}  // namespace etcd::server
