#include "etcd/v3rpc/convert.h"

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "etcd/mvcc/error.h"
#include "etcd/mvcc/watch_hub.h"
#include "etcd/v3rpc/errors.h"

namespace etcd::v3rpc {
namespace {

using mvcc::ErrorCode;
namespace pb = etcdserverpb;

// Copies an enum by its number: both sides are open (protobuf 3 keeps unknown numbers, and
// mvcc's enum classes are int-based), so no value is lost or undefined.
template <typename To, typename From>
To enum_cast(From value) {
  return static_cast<To>(static_cast<int>(value));
}

void fill_kv(const mvcc::KeyValue& kv, mvccpb::KeyValue* out) {
  out->set_key(kv.key);
  out->set_create_revision(kv.create_revision);
  out->set_mod_revision(kv.mod_revision);
  out->set_version(kv.version);
  out->set_value(kv.value);
  out->set_lease(kv.lease);
}

Result<mvcc::RequestOp> op_from_pb(const pb::RequestOp& op);

Result<void> ops_from_pb(const google::protobuf::RepeatedPtrField<pb::RequestOp>& ops,
                         std::vector<mvcc::RequestOp>* out) {
  out->reserve(ops.size());
  for (const pb::RequestOp& op : ops) {
    auto converted = op_from_pb(op);
    if (!converted) return converted.error();
    out->push_back(std::move(converted).value());
  }
  return Ok{};
}

Result<mvcc::RequestOp> op_from_pb(const pb::RequestOp& op) {
  switch (op.request_case()) {
    case pb::RequestOp::kRequestRange:
      return mvcc::RequestOp{from_pb(op.request_range())};
    case pb::RequestOp::kRequestPut:
      return mvcc::RequestOp{from_pb(op.request_put())};
    case pb::RequestOp::kRequestDeleteRange:
      return mvcc::RequestOp{from_pb(op.request_delete_range())};
    case pb::RequestOp::kRequestTxn: {
      auto txn = from_pb(op.request_txn());
      if (!txn) return txn.error();
      return mvcc::RequestOp{std::make_shared<mvcc::TxnRequest>(std::move(txn).value())};
    }
    case pb::RequestOp::REQUEST_NOT_SET:
      break;
  }
  // etcd's checkRequestOp: an op without a request (or with a field this version does not
  // know) is "key not found".
  return mvcc::make_error(ErrorCode::kKeyNotFound);
}

void fill_txn_request(const mvcc::TxnRequest& request, pb::TxnRequest* out);

void fill_op(const mvcc::RequestOp& op, pb::RequestOp* out) {
  std::visit(
      [out](const auto& value) {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, mvcc::RangeRequest>) {
          *out->mutable_request_range() = to_pb(value);
        } else if constexpr (std::is_same_v<T, mvcc::PutRequest>) {
          *out->mutable_request_put() = to_pb(value);
        } else if constexpr (std::is_same_v<T, mvcc::DeleteRangeRequest>) {
          *out->mutable_request_delete_range() = to_pb(value);
        } else {
          static_assert(std::is_same_v<T, std::shared_ptr<mvcc::TxnRequest>>);
          auto* txn = out->mutable_request_txn();
          if (value) fill_txn_request(*value, txn);
        }
      },
      op);
}

void fill_txn_request(const mvcc::TxnRequest& request, pb::TxnRequest* out) {
  for (const mvcc::Compare& compare : request.compare)
    *out->add_compare() = to_pb(compare);
  for (const mvcc::RequestOp& op : request.success)
    fill_op(op, out->add_success());
  for (const mvcc::RequestOp& op : request.failure)
    fill_op(op, out->add_failure());
}

void fill_range(const mvcc::RangeResponse& response, const HeaderFields& h,
                pb::RangeResponse* out) {
  fill_header(out->mutable_header(), h.cluster_id, h.member_id, response.revision, h.raft_term);
  out->mutable_kvs()->Reserve(static_cast<int>(response.kvs.size()));
  for (const mvcc::KeyValue& kv : response.kvs)
    fill_kv(kv, out->add_kvs());
  out->set_more(response.more);
  out->set_count(response.count);
}

void fill_put(const mvcc::PutResponse& response, const HeaderFields& h, pb::PutResponse* out) {
  fill_header(out->mutable_header(), h.cluster_id, h.member_id, response.revision, h.raft_term);
  if (response.prev_kv) fill_kv(*response.prev_kv, out->mutable_prev_kv());
}

void fill_delete(const mvcc::DeleteRangeResponse& response, const HeaderFields& h,
                 pb::DeleteRangeResponse* out) {
  fill_header(out->mutable_header(), h.cluster_id, h.member_id, response.revision, h.raft_term);
  out->set_deleted(response.deleted);
  out->mutable_prev_kvs()->Reserve(static_cast<int>(response.prev_kvs.size()));
  for (const mvcc::KeyValue& kv : response.prev_kvs)
    fill_kv(kv, out->add_prev_kvs());
}

void fill_txn(const mvcc::TxnResponse& response, const HeaderFields& h, pb::TxnResponse* out) {
  fill_header(out->mutable_header(), h.cluster_id, h.member_id, response.revision, h.raft_term);
  out->set_succeeded(response.succeeded);
  // etcd's apply fills only the revision of an op's response; the member's fields go in
  // the top-level header alone.
  const HeaderFields nested;
  for (const mvcc::ResponseOp& op : response.responses) {
    pb::ResponseOp* pb_op = out->add_responses();
    std::visit(
        [&](const auto& value) {
          using T = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<T, mvcc::RangeResponse>) {
            fill_range(value, nested, pb_op->mutable_response_range());
          } else if constexpr (std::is_same_v<T, mvcc::PutResponse>) {
            fill_put(value, nested, pb_op->mutable_response_put());
          } else if constexpr (std::is_same_v<T, mvcc::DeleteRangeResponse>) {
            fill_delete(value, nested, pb_op->mutable_response_delete_range());
          } else {
            static_assert(std::is_same_v<T, std::shared_ptr<mvcc::TxnResponse>>);
            auto* txn = pb_op->mutable_response_txn();
            if (value) {
              fill_txn(*value, nested, txn);
            } else {
              txn->mutable_header();  // etcd always sends one
            }
          }
        },
        op);
  }
}

struct StatusEntry {
  std::string_view message;
  grpc::StatusCode code;
};

// etcd 3.4's rpctypes: every server-side error's text and code.
constexpr std::array kStatuses = {
    StatusEntry{errors::kEmptyKey, grpc::StatusCode::INVALID_ARGUMENT},
    StatusEntry{errors::kKeyNotFound, grpc::StatusCode::INVALID_ARGUMENT},
    StatusEntry{errors::kValueProvided, grpc::StatusCode::INVALID_ARGUMENT},
    StatusEntry{errors::kLeaseProvided, grpc::StatusCode::INVALID_ARGUMENT},
    StatusEntry{errors::kTooManyOps, grpc::StatusCode::INVALID_ARGUMENT},
    StatusEntry{errors::kDuplicateKey, grpc::StatusCode::INVALID_ARGUMENT},
    StatusEntry{errors::kInvalidSortOption, grpc::StatusCode::INVALID_ARGUMENT},
    StatusEntry{errors::kCompacted, grpc::StatusCode::OUT_OF_RANGE},
    StatusEntry{errors::kFutureRev, grpc::StatusCode::OUT_OF_RANGE},
    StatusEntry{errors::kNoSpace, grpc::StatusCode::RESOURCE_EXHAUSTED},
    StatusEntry{errors::kLeaseNotFound, grpc::StatusCode::NOT_FOUND},
    StatusEntry{errors::kLeaseExist, grpc::StatusCode::FAILED_PRECONDITION},
    StatusEntry{errors::kLeaseTTLTooLarge, grpc::StatusCode::OUT_OF_RANGE},
    StatusEntry{errors::kWatchCanceled, grpc::StatusCode::CANCELLED},
    StatusEntry{errors::kMemberExist, grpc::StatusCode::FAILED_PRECONDITION},
    StatusEntry{errors::kPeerURLExist, grpc::StatusCode::FAILED_PRECONDITION},
    StatusEntry{errors::kMemberNotEnoughStarted, grpc::StatusCode::FAILED_PRECONDITION},
    StatusEntry{errors::kMemberBadURLs, grpc::StatusCode::INVALID_ARGUMENT},
    StatusEntry{errors::kMemberNotFound, grpc::StatusCode::NOT_FOUND},
    StatusEntry{errors::kMemberNotLearner, grpc::StatusCode::FAILED_PRECONDITION},
    StatusEntry{errors::kLearnerNotReady, grpc::StatusCode::FAILED_PRECONDITION},
    StatusEntry{errors::kTooManyLearners, grpc::StatusCode::FAILED_PRECONDITION},
    StatusEntry{errors::kRequestTooLarge, grpc::StatusCode::INVALID_ARGUMENT},
    StatusEntry{errors::kTooManyRequests, grpc::StatusCode::RESOURCE_EXHAUSTED},
    StatusEntry{errors::kRootUserNotExist, grpc::StatusCode::FAILED_PRECONDITION},
    StatusEntry{errors::kRootRoleNotExist, grpc::StatusCode::FAILED_PRECONDITION},
    StatusEntry{errors::kUserAlreadyExist, grpc::StatusCode::FAILED_PRECONDITION},
    StatusEntry{errors::kUserEmpty, grpc::StatusCode::INVALID_ARGUMENT},
    StatusEntry{errors::kUserNotFound, grpc::StatusCode::FAILED_PRECONDITION},
    StatusEntry{errors::kRoleAlreadyExist, grpc::StatusCode::FAILED_PRECONDITION},
    StatusEntry{errors::kRoleNotFound, grpc::StatusCode::FAILED_PRECONDITION},
    StatusEntry{errors::kRoleEmpty, grpc::StatusCode::INVALID_ARGUMENT},
    StatusEntry{errors::kAuthFailed, grpc::StatusCode::INVALID_ARGUMENT},
    StatusEntry{errors::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED},
    StatusEntry{errors::kRoleNotGranted, grpc::StatusCode::FAILED_PRECONDITION},
    StatusEntry{errors::kPermissionNotGranted, grpc::StatusCode::FAILED_PRECONDITION},
    StatusEntry{errors::kAuthNotEnabled, grpc::StatusCode::FAILED_PRECONDITION},
    StatusEntry{errors::kInvalidAuthToken, grpc::StatusCode::UNAUTHENTICATED},
    StatusEntry{errors::kInvalidAuthMgmt, grpc::StatusCode::INVALID_ARGUMENT},
    StatusEntry{errors::kAuthOldRevision, grpc::StatusCode::INVALID_ARGUMENT},
    StatusEntry{errors::kNoLeader, grpc::StatusCode::UNAVAILABLE},
    StatusEntry{errors::kNotLeader, grpc::StatusCode::FAILED_PRECONDITION},
    StatusEntry{errors::kLeaderChanged, grpc::StatusCode::UNAVAILABLE},
    StatusEntry{errors::kNotCapable, grpc::StatusCode::UNAVAILABLE},
    StatusEntry{errors::kStopped, grpc::StatusCode::UNAVAILABLE},
    StatusEntry{errors::kTimeout, grpc::StatusCode::UNAVAILABLE},
    StatusEntry{errors::kTimeoutDueToLeaderFail, grpc::StatusCode::UNAVAILABLE},
    StatusEntry{errors::kTimeoutDueToConnectionLost, grpc::StatusCode::UNAVAILABLE},
    StatusEntry{errors::kTimeoutWaitAppliedIndex, grpc::StatusCode::UNAVAILABLE},
    StatusEntry{errors::kUnhealthy, grpc::StatusCode::UNAVAILABLE},
    StatusEntry{errors::kCorrupt, grpc::StatusCode::DATA_LOSS},
    StatusEntry{errors::kNotSupportedForLearner, grpc::StatusCode::UNAVAILABLE},
    StatusEntry{errors::kBadLeaderTransferee, grpc::StatusCode::FAILED_PRECONDITION},
};

// The wire text for one of the store's codes: mvcc's own ErrCompacted/ErrFutureRev lack
// the "etcdserver: " that rpctypes puts in front; the others already have it.
std::string_view wire_message(ErrorCode code) {
  switch (code) {
    case ErrorCode::kCompacted:
      return errors::kCompacted;
    case ErrorCode::kFutureRevision:
      return errors::kFutureRev;
    default:
      return mvcc::message_of(code);
  }
}

constexpr std::array kStoreCodes = {
    ErrorCode::kCompacted,  ErrorCode::kFutureRevision, ErrorCode::kKeyNotFound,
    ErrorCode::kEmptyKey,   ErrorCode::kValueProvided,  ErrorCode::kLeaseProvided,
    ErrorCode::kTooManyOps, ErrorCode::kDuplicateKey,   ErrorCode::kInvalidSortOption,
};

grpc::Status status_for(std::string_view message) {
  for (const StatusEntry& entry : kStatuses) {
    if (entry.message == message) return grpc::Status(entry.code, std::string(message));
  }
  return grpc::Status(grpc::StatusCode::UNKNOWN, std::string(message));
}

}  // namespace

void fill_header(pb::ResponseHeader* header, uint64_t cluster_id, uint64_t member_id,
                 int64_t revision, uint64_t raft_term) {
  header->set_cluster_id(cluster_id);
  header->set_member_id(member_id);
  header->set_revision(revision);
  header->set_raft_term(raft_term);
}

mvcc::RangeRequest from_pb(const pb::RangeRequest& pb) {
  mvcc::RangeRequest r;
  r.key = pb.key();
  r.range_end = pb.range_end();
  r.limit = pb.limit();
  r.revision = pb.revision();
  r.sort_order = enum_cast<mvcc::SortOrder>(pb.sort_order());
  r.sort_target = enum_cast<mvcc::SortTarget>(pb.sort_target());
  r.serializable = pb.serializable();
  r.keys_only = pb.keys_only();
  r.count_only = pb.count_only();
  r.min_mod_revision = pb.min_mod_revision();
  r.max_mod_revision = pb.max_mod_revision();
  r.min_create_revision = pb.min_create_revision();
  r.max_create_revision = pb.max_create_revision();
  return r;
}

mvcc::PutRequest from_pb(const pb::PutRequest& pb) {
  mvcc::PutRequest r;
  r.key = pb.key();
  r.value = pb.value();
  r.lease = pb.lease();
  r.prev_kv = pb.prev_kv();
  r.ignore_value = pb.ignore_value();
  r.ignore_lease = pb.ignore_lease();
  return r;
}

mvcc::DeleteRangeRequest from_pb(const pb::DeleteRangeRequest& pb) {
  mvcc::DeleteRangeRequest r;
  r.key = pb.key();
  r.range_end = pb.range_end();
  r.prev_kv = pb.prev_kv();
  return r;
}

mvcc::Compare from_pb(const pb::Compare& pb) {
  mvcc::Compare c;
  c.result = enum_cast<mvcc::CompareResult>(pb.result());
  c.target = enum_cast<mvcc::CompareTarget>(pb.target());
  c.key = pb.key();
  c.range_end = pb.range_end();
  // The oneof getters answer 0 / "" for a member that is not the set one, which is what
  // etcd's compare reads in that case.
  switch (c.target) {
    case mvcc::CompareTarget::kVersion:
      c.number = pb.version();
      break;
    case mvcc::CompareTarget::kCreate:
      c.number = pb.create_revision();
      break;
    case mvcc::CompareTarget::kMod:
      c.number = pb.mod_revision();
      break;
    case mvcc::CompareTarget::kLease:
      c.number = pb.lease();
      break;
    case mvcc::CompareTarget::kValue:
      c.value = pb.value();
      break;
  }
  return c;
}

Result<mvcc::TxnRequest> from_pb(const pb::TxnRequest& pb) {
  mvcc::TxnRequest r;
  r.compare.reserve(pb.compare_size());
  for (const pb::Compare& compare : pb.compare())
    r.compare.push_back(from_pb(compare));
  if (auto ok = ops_from_pb(pb.success(), &r.success); !ok) return ok.error();
  if (auto ok = ops_from_pb(pb.failure(), &r.failure); !ok) return ok.error();
  return r;
}

mvcc::CompactionRequest from_pb(const pb::CompactionRequest& pb) {
  return mvcc::CompactionRequest{.revision = pb.revision(), .physical = pb.physical()};
}

mvcc::KeyValue from_pb(const mvccpb::KeyValue& pb) {
  return mvcc::KeyValue{.key = pb.key(),
                        .create_revision = pb.create_revision(),
                        .mod_revision = pb.mod_revision(),
                        .version = pb.version(),
                        .value = pb.value(),
                        .lease = pb.lease()};
}

pb::RangeRequest to_pb(const mvcc::RangeRequest& r) {
  pb::RangeRequest out;
  out.set_key(r.key);
  out.set_range_end(r.range_end);
  out.set_limit(r.limit);
  out.set_revision(r.revision);
  out.set_sort_order(enum_cast<pb::RangeRequest::SortOrder>(r.sort_order));
  out.set_sort_target(enum_cast<pb::RangeRequest::SortTarget>(r.sort_target));
  out.set_serializable(r.serializable);
  out.set_keys_only(r.keys_only);
  out.set_count_only(r.count_only);
  out.set_min_mod_revision(r.min_mod_revision);
  out.set_max_mod_revision(r.max_mod_revision);
  out.set_min_create_revision(r.min_create_revision);
  out.set_max_create_revision(r.max_create_revision);
  return out;
}

pb::PutRequest to_pb(const mvcc::PutRequest& r) {
  pb::PutRequest out;
  out.set_key(r.key);
  out.set_value(r.value);
  out.set_lease(r.lease);
  out.set_prev_kv(r.prev_kv);
  out.set_ignore_value(r.ignore_value);
  out.set_ignore_lease(r.ignore_lease);
  return out;
}

pb::DeleteRangeRequest to_pb(const mvcc::DeleteRangeRequest& r) {
  pb::DeleteRangeRequest out;
  out.set_key(r.key);
  out.set_range_end(r.range_end);
  out.set_prev_kv(r.prev_kv);
  return out;
}

pb::Compare to_pb(const mvcc::Compare& c) {
  pb::Compare out;
  out.set_result(enum_cast<pb::Compare::CompareResult>(c.result));
  out.set_target(enum_cast<pb::Compare::CompareTarget>(c.target));
  out.set_key(c.key);
  out.set_range_end(c.range_end);
  switch (c.target) {
    case mvcc::CompareTarget::kVersion:
      out.set_version(c.number);
      break;
    case mvcc::CompareTarget::kCreate:
      out.set_create_revision(c.number);
      break;
    case mvcc::CompareTarget::kMod:
      out.set_mod_revision(c.number);
      break;
    case mvcc::CompareTarget::kLease:
      out.set_lease(c.number);
      break;
    case mvcc::CompareTarget::kValue:
      out.set_value(c.value);
      break;
  }
  return out;
}

pb::TxnRequest to_pb(const mvcc::TxnRequest& request) {
  pb::TxnRequest out;
  fill_txn_request(request, &out);
  return out;
}

pb::CompactionRequest to_pb(const mvcc::CompactionRequest& r) {
  pb::CompactionRequest out;
  out.set_revision(r.revision);
  out.set_physical(r.physical);
  return out;
}

pb::RangeResponse to_pb(const mvcc::RangeResponse& response, const HeaderFields& header) {
  pb::RangeResponse out;
  fill_range(response, header, &out);
  return out;
}

pb::PutResponse to_pb(const mvcc::PutResponse& response, const HeaderFields& header) {
  pb::PutResponse out;
  fill_put(response, header, &out);
  return out;
}

pb::DeleteRangeResponse to_pb(const mvcc::DeleteRangeResponse& response,
                              const HeaderFields& header) {
  pb::DeleteRangeResponse out;
  fill_delete(response, header, &out);
  return out;
}

pb::TxnResponse to_pb(const mvcc::TxnResponse& response, const HeaderFields& header) {
  pb::TxnResponse out;
  fill_txn(response, header, &out);
  return out;
}

pb::CompactionResponse to_pb(const mvcc::CompactionResponse& response, const HeaderFields& h) {
  pb::CompactionResponse out;
  fill_header(out.mutable_header(), h.cluster_id, h.member_id, response.revision, h.raft_term);
  return out;
}

pb::HashKVResponse to_pb(const mvcc::HashKvResponse& response, const HeaderFields& h) {
  pb::HashKVResponse out;
  fill_header(out.mutable_header(), h.cluster_id, h.member_id, response.revision, h.raft_term);
  out.set_hash(response.hash);
  out.set_compact_revision(response.compact_revision);
  return out;
}

pb::WatchResponse to_pb(const mvcc::WatchResponse& response, const HeaderFields& h) {
  pb::WatchResponse out;
  fill_header(out.mutable_header(), h.cluster_id, h.member_id, response.revision, h.raft_term);
  out.set_watch_id(response.watch_id);
  out.set_created(response.created);
  out.set_canceled(response.canceled);
  out.set_compact_revision(response.compact_revision);
  out.set_cancel_reason(response.cancel_reason);
  for (const auto& e : response.events)
    *out.add_events() = to_pb(e);
  return out;
}

mvccpb::KeyValue to_pb(const mvcc::KeyValue& kv) {
  mvccpb::KeyValue out;
  fill_kv(kv, &out);
  return out;
}

mvccpb::Event to_pb(const mvcc::Event& event) {
  mvccpb::Event out;
  out.set_type(event.type == mvcc::EventType::kDelete ? mvccpb::Event::DELETE : mvccpb::Event::PUT);
  fill_kv(event.kv, out.mutable_kv());
  if (event.prev_kv) fill_kv(*event.prev_kv, out.mutable_prev_kv());
  return out;
}

grpc::Status to_status(const Error& error) {
  // The store's errors are told by their text, not by `code`: other modules number their
  // codes from 1 as well.
  for (ErrorCode code : kStoreCodes) {
    if (error.message == mvcc::message_of(code)) return status_for(wire_message(code));
  }
  return status_for(error.message);
}

}  // namespace etcd::v3rpc
