// etcd 3.4's backend (its bbolt file, what the v3 Snapshot RPC streams) built from our v3
// keyspace (etcd/mvcc's tables) and the member's membership. `etcdctl snapshot status`
// reads it, `etcdctl snapshot restore` turns it into a data dir that etcd 3.4 serves with
// the same keys, values, revisions and leases: a migration path from etcd2 to etcd.
//
// Buckets: key (every revision not compacted away: revision key -> mvccpb.KeyValue, a
// deletion's key ending in 't'), meta (consistent_index, and the compact revision as
// scheduledCompactRev/finishedCompactRev when compacted), lease (id -> leasepb.Lease),
// alarm, members, members_removed, cluster (clusterVersion), auth (disabled), authUsers,
// authRoles (empty). The v2 keyspace is not in it, as in etcd 3.x (there the v2 store
// travels in raft snapshots, never in the backend).
//
// Thread: the database's owner. The image variant makes its own database, so any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "etcd/bolt/bucket.h"
#include "etcd/bolt/etcd_format.h"
#include "etcd/common/result.h"
#include "etcd/mvcc/kv_store.h"
#include "etcd/store/database.h"

namespace etcd::bolt {

// What etcd keeps in its backend beside the keyspace, taken at the moment of the image.
struct EtcdBackendInfo {
  uint64_t consistent_index = 0;  // the raft index the keyspace is applied up to
  std::vector<etcd34::Member> members;
  std::vector<uint64_t> removed;  // IDs of removed members
  // Our v3 API is etcd 3.4's, and so is this layout.
  std::string cluster_version = "3.4.0";
};

// The buckets from `kv`'s tables in `db`, read in one SQLite read transaction (so they
// come from one state). Must not be called inside a transaction.
Bucket etcd_buckets(mvcc::KvStore& kv, store::Database& db, const EtcdBackendInfo& info);

// The bbolt file of etcd_buckets().
Result<std::string> etcd_backend(mvcc::KvStore& kv, store::Database& db,
                                 const EtcdBackendInfo& info);

// The same from a store image (store::Store::save_snapshot()), loaded into a private
// in-memory database: for building the file away from the store's thread. The image is
// freed once loaded, so at most two copies of the data are held at a time.
Result<std::string> etcd_backend_from_image(std::string image, const EtcdBackendInfo& info);

}  // namespace etcd::bolt
