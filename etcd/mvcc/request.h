// The v3 KV requests and responses (etcdserverpb's RangeRequest, PutRequest,
// DeleteRangeRequest, TxnRequest, CompactionRequest and their responses) as plain C++
// values. The gRPC layer converts protobuf to and from these; the store applies them.
// Response headers carry only the revision (cluster id, member id and raft term are the
// server's to fill).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "etcd/mvcc/types.h"

namespace etcd::mvcc {

enum class SortOrder { kNone = 0, kAscend = 1, kDescend = 2 };
enum class SortTarget { kKey = 0, kVersion = 1, kCreate = 2, kMod = 3, kValue = 4 };

// [key, range_end): range_end empty = the single key `key`; "\0" = every key >= key;
// key "\0" with range_end "\0" = every key.
struct RangeRequest {
  std::string key;
  std::string range_end;
  int64_t limit = 0;     // 0 = no limit
  int64_t revision = 0;  // <= 0 = the current revision
  SortOrder sort_order = SortOrder::kNone;
  SortTarget sort_target = SortTarget::kKey;
  bool serializable = false;  // the server's concern; the store ignores it
  bool keys_only = false;
  bool count_only = false;
  int64_t min_mod_revision = 0;  // 0 = no bound, for all four
  int64_t max_mod_revision = 0;
  int64_t min_create_revision = 0;
  int64_t max_create_revision = 0;
};

struct RangeResponse {
  int64_t revision = 0;  // header: the store's revision when read, whatever was asked
  std::vector<KeyValue> kvs;
  bool more = false;
  int64_t count = 0;  // keys in the range at the revision, before the min/max filters

  bool operator==(const RangeResponse&) const = default;
};

struct PutRequest {
  std::string key;
  std::string value;
  int64_t lease = 0;
  bool prev_kv = false;
  bool ignore_value = false;  // keep the current value (the key must exist)
  bool ignore_lease = false;  // keep the current lease (the key must exist)
};

struct PutResponse {
  int64_t revision = 0;
  std::optional<KeyValue> prev_kv;

  bool operator==(const PutResponse&) const = default;
};

struct DeleteRangeRequest {
  std::string key;
  std::string range_end;  // as RangeRequest
  bool prev_kv = false;
};

struct DeleteRangeResponse {
  int64_t revision = 0;
  int64_t deleted = 0;
  std::vector<KeyValue> prev_kvs;  // only with prev_kv

  bool operator==(const DeleteRangeResponse&) const = default;
};

enum class CompareResult { kEqual = 0, kGreater = 1, kLess = 2, kNotEqual = 3 };
enum class CompareTarget { kVersion = 0, kCreate = 1, kMod = 2, kValue = 3, kLease = 4 };

// One txn condition, over a key or a range (every key in it must satisfy it; an empty
// range compares a zero KeyValue, except that a VALUE compare then fails).
struct Compare {
  CompareResult result = CompareResult::kEqual;
  CompareTarget target = CompareTarget::kVersion;
  std::string key;
  std::string range_end;
  int64_t number = 0;  // version, create/mod revision or lease, by target
  std::string value;   // for kValue
};

struct TxnRequest;
struct TxnResponse;

// RequestOp: one of range, put, delete_range or a nested txn.
using RequestOp =
    std::variant<RangeRequest, PutRequest, DeleteRangeRequest, std::shared_ptr<TxnRequest>>;
using ResponseOp =
    std::variant<RangeResponse, PutResponse, DeleteRangeResponse, std::shared_ptr<TxnResponse>>;

struct TxnRequest {
  std::vector<Compare> compare;
  std::vector<RequestOp> success;
  std::vector<RequestOp> failure;
};

struct TxnResponse {
  // The store's revision after the txn. A nested txn's is 0: etcd fills only the top
  // level's header.
  int64_t revision = 0;
  bool succeeded = false;
  std::vector<ResponseOp> responses;
};

struct CompactionRequest {
  int64_t revision = 0;
  bool physical = false;  // compaction is always finished when compact() returns
};

struct CompactionResponse {
  int64_t revision = 0;  // the current revision
};

// Leases: granted and revoked through the log; when they expire is the server's business.
struct LeaseGrantRequest {
  int64_t id = 0;   // chosen by the proposing member when the client left it 0
  int64_t ttl = 0;  // seconds, already raised to the minimum
};
struct LeaseRevokeRequest {
  int64_t id = 0;
};
// A keep-alive: applied through the log so it is ordered with revocation.
struct LeaseRenewRequest {
  int64_t id = 0;
};
struct LeaseResponse {
  int64_t revision = 0;  // the current revision (after a revoke's deletions)
  int64_t id = 0;
  int64_t ttl = 0;  // grant, renew: the lease's TTL; renew of an unknown lease: 0
};

// Maintenance.Alarm: raised and cleared through the log, so every member agrees.
enum class AlarmType { kNone = 0, kNoSpace = 1, kCorrupt = 2 };
enum class AlarmAction { kGet = 0, kActivate = 1, kDeactivate = 2 };
struct AlarmMember {
  uint64_t member_id = 0;
  AlarmType alarm = AlarmType::kNone;

  bool operator==(const AlarmMember&) const = default;
};
struct AlarmRequest {
  AlarmAction action = AlarmAction::kGet;
  uint64_t member_id = 0;
  AlarmType alarm = AlarmType::kNone;
};
struct AlarmResponse {
  std::vector<AlarmMember> alarms;  // activate/deactivate: the alarm changed, if it did
};

struct HashKvResponse {
  uint32_t hash = 0;
  int64_t compact_revision = 0;
  int64_t revision = 0;  // the current revision
};

}  // namespace etcd::mvcc
