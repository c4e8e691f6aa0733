// Conversions between the v3 API's protobuf messages (etcdserverpb, mvccpb) and the plain
// C++ values of etcd/mvcc, and from our errors to etcd's gRPC statuses. Requests come in
// with from_pb, responses go out with to_pb; the opposite directions exist for clients and
// tests. Pure functions: no I/O, no state.
#pragma once

#include <cstdint>

#include <grpcpp/support/status.h>

#include "etcd/common/result.h"
#include "etcd/mvcc/request.h"
#include "etcd/mvcc/types.h"
#include "etcdserverpb/rpc.pb.h"
#include "mvccpb/kv.pb.h"

namespace etcd::mvcc {
struct WatchResponse;  // etcd/mvcc/watch_hub.h
}  // namespace etcd::mvcc

namespace etcd::v3rpc {

// What the answering member puts in a top-level ResponseHeader besides the revision, which
// comes from the store's response (etcd's v3rpc header.fill).
struct HeaderFields {
  uint64_t cluster_id = 0;
  uint64_t member_id = 0;
  uint64_t raft_term = 0;
};

void fill_header(etcdserverpb::ResponseHeader* header, uint64_t cluster_id, uint64_t member_id,
                 int64_t revision, uint64_t raft_term);

// ---- requests: wire -> store ----------------------------------------------------------------
// Enum fields are copied by value, unknown values included, so mvcc::validate() rejects
// them as etcd would.

mvcc::RangeRequest from_pb(const etcdserverpb::RangeRequest& pb);
mvcc::PutRequest from_pb(const etcdserverpb::PutRequest& pb);
mvcc::DeleteRangeRequest from_pb(const etcdserverpb::DeleteRangeRequest& pb);
// The number or value is the target_union member that `target` names; a different member
// (or none) reads as 0 / empty, as etcd's compare does.
mvcc::Compare from_pb(const etcdserverpb::Compare& pb);
// Nested txns included (protobuf's parse depth limit of 100 bounds the recursion). A
// RequestOp with no request set fails with mvcc::ErrorCode::kKeyNotFound ("etcdserver: key
// not found"), etcd's answer to an empty op. etcd checks the op count and the compares'
// keys first, so a txn that also breaks those gets another InvalidArgument text there.
Result<mvcc::TxnRequest> from_pb(const etcdserverpb::TxnRequest& pb);
mvcc::CompactionRequest from_pb(const etcdserverpb::CompactionRequest& pb);
mvcc::KeyValue from_pb(const mvccpb::KeyValue& pb);

// ---- requests: store -> wire (clients, tests) -----------------------------------------------

etcdserverpb::RangeRequest to_pb(const mvcc::RangeRequest& request);
etcdserverpb::PutRequest to_pb(const mvcc::PutRequest& request);
etcdserverpb::DeleteRangeRequest to_pb(const mvcc::DeleteRangeRequest& request);
// Sets the target_union member that `target` names, even to 0, as etcd's clients do.
etcdserverpb::Compare to_pb(const mvcc::Compare& compare);
etcdserverpb::TxnRequest to_pb(const mvcc::TxnRequest& request);
etcdserverpb::CompactionRequest to_pb(const mvcc::CompactionRequest& request);

// ---- responses: store -> wire ---------------------------------------------------------------
// The header gets `header`'s fields and the response's revision. Responses inside a txn
// get a header with only their own revision (a nested txn's is 0, so its header is present
// and empty), byte for byte what etcd 3.4 sends.

etcdserverpb::RangeResponse to_pb(const mvcc::RangeResponse& response, const HeaderFields& header);
etcdserverpb::PutResponse to_pb(const mvcc::PutResponse& response, const HeaderFields& header);
etcdserverpb::DeleteRangeResponse to_pb(const mvcc::DeleteRangeResponse& response,
                                        const HeaderFields& header);
etcdserverpb::TxnResponse to_pb(const mvcc::TxnResponse& response, const HeaderFields& header);
etcdserverpb::CompactionResponse to_pb(const mvcc::CompactionResponse& response,
                                       const HeaderFields& header);
etcdserverpb::HashKVResponse to_pb(const mvcc::HashKvResponse& response,
                                   const HeaderFields& header);
// A watch reply: the header's revision is the reply's (the watcher's progress), the events
// converted as below.
etcdserverpb::WatchResponse to_pb(const mvcc::WatchResponse& response, const HeaderFields& header);
mvccpb::KeyValue to_pb(const mvcc::KeyValue& kv);
// Event.revision is not on the wire (kv.mod_revision carries its main part).
mvccpb::Event to_pb(const mvcc::Event& event);

// ---- errors -----------------------------------------------------------------------------------

// etcd 3.4's status for an error, told by its message: the store's errors (mvcc::message_of)
// and errors.h's texts get etcd's code and text (the store's "mvcc: required revision ..."
// gains rpctypes' "etcdserver: " prefix); anything else is UNKNOWN with its message, as
// etcd's togRPCError answers an error it has no mapping for.
grpc::Status to_status(const Error& error);

}  // namespace etcd::v3rpc
