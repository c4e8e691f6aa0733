// The bytes etcd 3.4 keeps in its bbolt backend (mvcc/kvstore.go, mvcc/revision.go,
// lease/lessor.go, etcdserver/api/membership/store.go, auth/store.go, etcdserver/api/v3alarm):
// bucket and key names, revision keys, and the protobuf and JSON values, encoded by hand
// exactly as etcd's gogoproto and encoding/json write them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "etcd/mvcc/types.h"

namespace etcd::bolt::etcd34 {

inline constexpr std::string_view kKeyBucket = "key";
inline constexpr std::string_view kMetaBucket = "meta";
inline constexpr std::string_view kLeaseBucket = "lease";
inline constexpr std::string_view kMembersBucket = "members";
inline constexpr std::string_view kMembersRemovedBucket = "members_removed";
inline constexpr std::string_view kClusterBucket = "cluster";
inline constexpr std::string_view kAlarmBucket = "alarm";
inline constexpr std::string_view kAuthBucket = "auth";
inline constexpr std::string_view kAuthUsersBucket = "authUsers";
inline constexpr std::string_view kAuthRolesBucket = "authRoles";

inline constexpr std::string_view kConsistentIndexKey = "consistent_index";
inline constexpr std::string_view kScheduledCompactKey = "scheduledCompactRev";
inline constexpr std::string_view kFinishedCompactKey = "finishedCompactRev";
inline constexpr std::string_view kClusterVersionKey = "clusterVersion";
inline constexpr std::string_view kAuthEnabledKey = "authEnabled";
inline constexpr std::string_view kAuthRevisionKey = "authRevision";

// A member as etcd's membership store saves it.
struct Member {
  uint64_t id = 0;
  std::string name;  // empty: not published yet
  std::vector<std::string> peer_urls;
  std::vector<std::string> client_urls;  // empty: not published yet
  bool is_learner = false;
};

// 8 bytes big-endian (etcd's int64ToBytes, the consistent index, lease keys).
std::string be64(uint64_t value);

// revToBytes: main (8 bytes BE), '_', sub (8 bytes BE); a tombstone (a deletion) has a
// trailing 't' (markTombstone). Big-endian, so byte order is revision order.
std::string revision_key(int64_t main, int64_t sub, bool tombstone = false);

// mvccpb.KeyValue {key=1, create_revision=2, mod_revision=3, version=4, value=5, lease=6},
// zero fields left out. A tombstone's value is a KeyValue with only the key.
std::string key_value(const mvcc::KeyValue& kv);

// leasepb.Lease {ID=1, TTL=2, RemainingTTL=3} (RemainingTTL 0: no checkpoint).
std::string lease(int64_t id, int64_t ttl);

// etcdserverpb.AlarmMember {MemberID=1, Alarm=2}: the alarm bucket's key (empty value).
std::string alarm_member(uint64_t member_id, int64_t alarm);

// types.ID.String(): lower-case hex without leading zeros (the members buckets' keys).
std::string id_key(uint64_t id);

// encoding/json of membership.Member: {"id":N,"peerURLs":[...],"isLearner":true,
// "name":"...","clientURLs":[...]} with isLearner, name and clientURLs omitted when empty.
std::string member_json(const Member& member);

}  // namespace etcd::bolt::etcd34
