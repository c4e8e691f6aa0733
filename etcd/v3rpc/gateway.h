// The v3 API's JSON gateway (etcd 3.4's grpc-gateway v1) on the client port: POST
// /v3/<service>/<method> (and /v3beta/...) with a JSON body, answered in JSON. Each request
// is forwarded to our own gRPC services over an in-process channel, as etcd's gateway
// dials its own gRPC server: the gateway converts and relays, the services decide.
//
// JSON in: Go's encoding/json + golang/protobuf's jsonpb rules (proto or lowerCamel names,
// int64 as number or string, enums by name or number, unknown fields ignored, an empty
// body is {}), with their error texts. JSON out: proto field names, int64 as strings, zero
// values omitted. Streams (watch, lease keep-alive, snapshot) answer one
// {"result":{...}}\n per message. tests/compat_v3/README.md "The JSON gateway" is the spec.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/support/status.h>

#include "etcd/common/result.h"
#include "etcd/http/exchange.h"

namespace google::protobuf {
class Message;
}  // namespace google::protobuf

namespace grpc {
class Channel;
}  // namespace grpc

namespace etcd::v3rpc {

// The paths the gateway answers: everything under /v3/ and /v3beta/.
bool is_gateway_path(std::string_view path);

// The gateway's handler. `channel` reaches the v3 gRPC services (GrpcServer's in-process
// channel); `cors` is --cors, applied as the v2 API does (etcd's AccessController).
http::Handler make_gateway(std::shared_ptr<grpc::Channel> channel, std::vector<std::string> cors);

// The JSON mapping, separate so that tests can check it without a server.
namespace gateway {

// Reads the JSON values of a request body one at a time into protobuf messages, as
// grpc-gateway v1's decoder does: a body may hold several values back to back (a watch's
// requests); errors are Go's texts ("invalid character 'g' looking for beginning of
// value", "illegal base64 data at input byte 0", "unknown value \"X\" for enum ...").
class BodyDecoder {
 public:
  explicit BodyDecoder(std::string_view body) : rest_(body) {}
  // Fills `out` (cleared first) from the next value; false when only whitespace is left.
  Result<bool> next(google::protobuf::Message& out);

 private:
  std::string_view rest_;
};

// A message as grpc-gateway v1 prints it (jsonpb with OrigName).
std::string to_json(const google::protobuf::Message& message);
// grpc-gateway v1's HTTPStatusFromCode.
int http_status(grpc::StatusCode code);
// Go's http.StatusText for those statuses.
std::string_view status_text(int status);
// The body of a failed call: {"error":desc,"message":desc,"code":N}.
std::string error_json(grpc::StatusCode code, std::string_view message);
// The message that ends a failed stream: {"error":{"grpc_code",...,"http_status"}}.
std::string stream_error_json(grpc::StatusCode code, std::string_view message);

}  // namespace gateway

}  // namespace etcd::v3rpc
