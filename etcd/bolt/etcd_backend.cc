#include "etcd/bolt/etcd_backend.h"

#include <algorithm>
#include <limits>

#include "etcd/bolt/writer.h"
#include "etcd/mvcc/revision_table.h"

namespace etcd::bolt {
namespace {

namespace e = etcd34;

using Values = std::vector<std::pair<std::string, std::string>>;

// Small buckets are built in any order; bbolt wants them by key.
Bucket sorted(Values values) {
  std::sort(values.begin(), values.end());
  return Bucket{std::move(values), {}};
}

// Every stored revision in revision order, which is the key bucket's byte order. A
// deletion is stored as etcd stores it: a KeyValue with the key only.
Bucket key_bucket(store::Database& db) {
  Bucket key;
  mvcc::RevisionTable table(db);
  table.scan_revisions(1, std::numeric_limits<int64_t>::max(), [&](const mvcc::Row& row) {
    mvcc::KeyValue tombstone;
    tombstone.key = row.kv.key;
    key.values.emplace_back(e::revision_key(row.kv.mod_revision, row.sub, row.tombstone),
                            e::key_value(row.tombstone ? tombstone : row.kv));
    return true;
  });
  return key;
}

// etcd's restore recompacts only when scheduled > finished: equal, it just takes the
// compact revision as the floor of reads.
Bucket meta_bucket(mvcc::KvStore& kv, const EtcdBackendInfo& info) {
  Values values{{std::string(e::kConsistentIndexKey), e::be64(info.consistent_index)}};
  if (const int64_t compacted = kv.compact_revision(); compacted > 0) {
    values.emplace_back(e::kScheduledCompactKey, e::revision_key(compacted, 0));
    values.emplace_back(e::kFinishedCompactKey, e::revision_key(compacted, 0));
  }
  return sorted(std::move(values));
}

Bucket lease_bucket(mvcc::KvStore& kv) {
  Values values;
  for (const auto& [id, ttl] : kv.leases())
    values.emplace_back(e::be64(static_cast<uint64_t>(id)), e::lease(id, ttl));
  return sorted(std::move(values));
}

Bucket alarm_bucket(mvcc::KvStore& kv) {
  Values values;
  for (const auto& a : kv.alarms())
    values.emplace_back(e::alarm_member(a.member_id, static_cast<int64_t>(a.alarm)), "");
  return sorted(std::move(values));
}

void add_membership(Bucket& root, const EtcdBackendInfo& info) {
  Values members;
  for (const auto& m : info.members)
    members.emplace_back(e::id_key(m.id), e::member_json(m));
  Values removed;
  for (uint64_t id : info.removed)
    removed.emplace_back(e::id_key(id), "removed");
  root.buckets.emplace(e::kMembersBucket, sorted(std::move(members)));
  root.buckets.emplace(e::kMembersRemovedBucket, sorted(std::move(removed)));
  root.buckets.emplace(e::kClusterBucket,
                       sorted({{std::string(e::kClusterVersionKey), info.cluster_version}}));
}

// v3 auth is not served: disabled, at auth revision 1 (a fresh etcd's), no users or roles.
void add_auth(Bucket& root) {
  root.buckets.emplace(e::kAuthBucket,
                       sorted({{std::string(e::kAuthEnabledKey), std::string(1, '\0')},
                               {std::string(e::kAuthRevisionKey), e::be64(1)}}));
  root.buckets.emplace(e::kAuthUsersBucket, Bucket{});
  root.buckets.emplace(e::kAuthRolesBucket, Bucket{});
}

}  // namespace

Bucket etcd_buckets(mvcc::KvStore& kv, store::Database& db, const EtcdBackendInfo& info) {
  store::Transaction read(db);  // every bucket from the state its first read saw
  Bucket root;
  root.buckets.emplace(e::kKeyBucket, key_bucket(db));
  root.buckets.emplace(e::kMetaBucket, meta_bucket(kv, info));
  root.buckets.emplace(e::kLeaseBucket, lease_bucket(kv));
  root.buckets.emplace(e::kAlarmBucket, alarm_bucket(kv));
  add_membership(root, info);
  add_auth(root);
  return root;
}

Result<std::string> etcd_backend(mvcc::KvStore& kv, store::Database& db,
                                 const EtcdBackendInfo& info) {
  return write_db(etcd_buckets(kv, db, info));
}

Result<std::string> etcd_backend_from_image(std::string image, const EtcdBackendInfo& info) {
  auto db = store::Database::open_image(image);
  std::string().swap(image);
  if (!db) return db.error();
  // Creates the v3 tables in the copy when the image predates them (an empty keyspace).
  auto kv = mvcc::KvStore::open(**db);
  if (!kv) return kv.error();
  return etcd_backend(**kv, **db, info);
}

}  // namespace etcd::bolt
