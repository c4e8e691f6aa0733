// Binary encoding of the v3 write requests for raft entries (the v3 half of
// etcd/server/payload.h). Little-endian, length-prefixed, versioned by the payload kind
// byte. Decoding rejects hostile bytes: counts are checked against the input left and txn
// nesting is bounded, so a corrupt entry is an error, never a crash or a huge allocation.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "etcd/common/result.h"
#include "etcd/mvcc/request.h"

namespace etcd::mvcc {

// What a v3 client can ask the log to apply to the keyspace.
using WriteRequest =
    std::variant<PutRequest, DeleteRangeRequest, TxnRequest, CompactionRequest, LeaseGrantRequest,
                 LeaseRevokeRequest, LeaseRenewRequest, AlarmRequest>;
// Its answer once applied, by the request's kind (LeaseResponse for the three lease ones).
using WriteResponse = std::variant<PutResponse, DeleteRangeResponse, TxnResponse,
                                   CompactionResponse, LeaseResponse, AlarmResponse>;

// Txns nested deeper than this are refused by the decoder (and by the gRPC layer before
// they reach the log): etcd has no explicit bound, but --max-txn-ops keeps real ones small.
inline constexpr int kMaxTxnDepth = 64;

void encode(const WriteRequest& request, std::string& out);
Result<WriteRequest> decode_write_request(std::string_view data);

// The depth of nested txns in `request` (1 for a txn without nested ones).
int txn_depth(const TxnRequest& request);

}  // namespace etcd::mvcc
