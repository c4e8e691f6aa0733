// The server's own rows in the store's meta table: the membership and raft's ConfState,
// written in the same transaction as the applied index they belong to.
#pragma once

#include "etcd/raft/types.h"
#include "etcd/server/membership.h"
#include "etcd/store/store.h"

namespace etcd::server {

// Precondition: a store batch is open.
void save_membership(store::Store& store, const Membership& membership,
                     const raft::ConfState& conf_state);

struct PersistedMembership {
  Membership membership;
  raft::ConfState conf_state;
};

// Nothing saved yet (a new member) is an empty membership, not an error.
Result<PersistedMembership> load_membership(store::Store& store);

}  // namespace etcd::server
