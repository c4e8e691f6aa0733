// jsonpb's reading of a JSON value into a protobuf message: golang/protobuf 1.3's rules,
// which etcd 3.4's gateway (grpc-gateway v1) applies to request bodies. Field names proto
// or lowerCamel (the latter wins), int64 as number or string, enums by name or number,
// bytes as padded base64 (Go's decoder and its errors), unknown fields ignored, null
// leaves a field unset, oneofs set even by null.
//
// The value is written back as plain protobuf JSON (proto names, every value in its
// canonical form), which protobuf's own JsonStringToMessage then reads: its rules are laxer
// than Go's (it would take unknown enum names, unpadded base64, "1e2"), so it never sees
// the request's own text.
#pragma once

#include <string>
#include <string_view>

#include "etcd/common/result.h"

namespace google::protobuf {
class Descriptor;
}  // namespace google::protobuf

namespace etcd::v3rpc::jsonpb {

// `value` must have passed go_json::scan. Errors are jsonpb's and Go's texts ("json: cannot
// unmarshal string into Go value of type int64", "illegal base64 data at input byte 0").
Result<std::string> to_protobuf_json(std::string_view value,
                                     const google::protobuf::Descriptor& type);

}  // namespace etcd::v3rpc::jsonpb
