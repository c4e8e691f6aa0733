// KV: Range, Put, DeleteRange, Txn, Compact (etcd v3rpc/key.go). Requests are checked here
// as etcd checks them before raft; the store checks them again when it applies.
#include "etcd/mvcc/error.h"
#include "etcd/mvcc/validate.h"
#include "etcd/v3rpc/convert.h"
#include "etcd/v3rpc/services.h"
#include "etcd/v3rpc/unary_call.h"

namespace etcd::v3rpc {

namespace {

HeaderFields fields_of(const Header& h) {
  return HeaderFields{h.cluster_id, h.member_id, h.raft_term};
}

}  // namespace

ServerUnaryReactor* KvService::Range(CallbackServerContext*, const pb::RangeRequest* request,
                                     pb::RangeResponse* response) {
  auto call = UnaryCall<pb::RangeResponse>::start(response);
  mvcc::RangeRequest range = from_pb(*request);
  if (auto valid = mvcc::validate(range); !valid) {
    call->fail(to_status(valid.error()));
    return call.get();
  }
  backend_.range(std::move(range), [call](Result<mvcc::RangeResponse> result, Header h) {
    if (!result) return call->fail(to_status(result.error()));
    call->reply([&](pb::RangeResponse* out) { *out = to_pb(*result, fields_of(h)); });
  });
  return call.get();
}

// Proposes `request` and answers with its mvcc response of kind `Answer`.
template <typename Answer, typename Response>
ServerUnaryReactor* KvService::write(mvcc::WriteRequest request, Response* response) {
  auto call = UnaryCall<Response>::start(response);
  backend_.write(std::move(request), [call](Result<mvcc::WriteResponse> result, Header h) {
    if (!result) return call->fail(to_status(result.error()));
    const auto* answer = std::get_if<Answer>(&*result);
    if (answer == nullptr) {  // the core answers a request with its own kind: a bug
      return call->fail(
          grpc::Status(grpc::StatusCode::INTERNAL, "etcdserver: unexpected response"));
    }
    call->reply([&](Response* out) { *out = to_pb(*answer, fields_of(h)); });
  });
  return call.get();
}

ServerUnaryReactor* KvService::Put(CallbackServerContext*, const pb::PutRequest* request,
                                   pb::PutResponse* response) {
  mvcc::PutRequest put = from_pb(*request);
  if (auto valid = mvcc::validate(put); !valid) {
    auto call = UnaryCall<pb::PutResponse>::start(response);
    call->fail(to_status(valid.error()));
    return call.get();
  }
  return write<mvcc::PutResponse>(std::move(put), response);
}

ServerUnaryReactor* KvService::DeleteRange(CallbackServerContext*,
                                           const pb::DeleteRangeRequest* request,
                                           pb::DeleteRangeResponse* response) {
  mvcc::DeleteRangeRequest del = from_pb(*request);
  if (auto valid = mvcc::validate(del); !valid) {
    auto call = UnaryCall<pb::DeleteRangeResponse>::start(response);
    call->fail(to_status(valid.error()));
    return call.get();
  }
  return write<mvcc::DeleteRangeResponse>(std::move(del), response);
}

ServerUnaryReactor* KvService::Txn(CallbackServerContext*, const pb::TxnRequest* request,
                                   pb::TxnResponse* response) {
  auto txn = from_pb(*request);
  Result<void> valid = !txn ? Result<void>(txn.error())
                       : mvcc::txn_depth(*txn) > mvcc::kMaxTxnDepth
                           ? Result<void>(mvcc::make_error(mvcc::ErrorCode::kTooManyOps))
                           : mvcc::validate(*txn, max_txn_ops_);
  if (!valid) {
    auto call = UnaryCall<pb::TxnResponse>::start(response);
    call->fail(to_status(valid.error()));
    return call.get();
  }
  return write<mvcc::TxnResponse>(std::move(txn).value(), response);
}

ServerUnaryReactor* KvService::Compact(CallbackServerContext*, const pb::CompactionRequest* request,
                                       pb::CompactionResponse* response) {
  return write<mvcc::CompactionResponse>(from_pb(*request), response);
}

}  // namespace etcd::v3rpc
