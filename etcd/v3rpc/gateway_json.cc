// The gateway's JSON mapping (gateway.h, namespace gateway): request bodies read with Go's
// and jsonpb's rules, messages and errors written as grpc-gateway v1 writes them.
#include <google/protobuf/util/json_util.h>

#include <string>

#include "etcd/common/go_json.h"
#include "etcd/v3rpc/gateway.h"
#include "etcd/v3rpc/jsonpb.h"

namespace etcd::v3rpc {

namespace pbuf = google::protobuf;

namespace gateway {

Result<bool> BodyDecoder::next(pbuf::Message& out) {
  out.Clear();
  while (!rest_.empty() && go_json::is_space(rest_.front()))
    rest_.remove_prefix(1);
  if (rest_.empty()) return false;
  auto length = go_json::scan(rest_, go_json::ScanMode::stream);
  if (!length) return length.error();
  const std::string_view value = rest_.substr(0, *length);  // no leading space left
  rest_.remove_prefix(*length);
  // Checked and normalised with Go's rules, the value is plain protobuf JSON: protobuf's
  // own reader builds the message (its rules are laxer than Go's, which is why it does
  // not see the body itself: it would take unknown enum names, unpadded base64, "1e2").
  auto json = jsonpb::to_protobuf_json(value, *out.GetDescriptor());
  if (!json) return json.error();
  const auto status = pbuf::util::JsonStringToMessage(*json, &out);
  if (!status.ok()) return Error{std::string(status.message())};
  return true;
}

std::string to_json(const pbuf::Message& message) {
  pbuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;  // jsonpb's OrigName
  std::string out;
  // Printing fails only for messages protobuf itself could not serialise.
  if (!pbuf::util::MessageToJsonString(message, &out, options).ok()) return "{}";
  return out;
}

std::string_view status_text(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 429:
      return "Too Many Requests";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Internal Server Error";
  }
}

int http_status(grpc::StatusCode code) {
  using C = grpc::StatusCode;
  switch (code) {
    case C::OK:
      return 200;
    case C::CANCELLED:
      return 408;
    case C::INVALID_ARGUMENT:
      return 400;
    case C::DEADLINE_EXCEEDED:
      return 504;
    case C::NOT_FOUND:
      return 404;
    case C::ALREADY_EXISTS:
      return 409;
    case C::PERMISSION_DENIED:
      return 403;
    case C::UNAUTHENTICATED:
      return 401;
    case C::RESOURCE_EXHAUSTED:
      return 429;
    case C::FAILED_PRECONDITION:
      return 412;
    case C::ABORTED:
      return 409;
    case C::OUT_OF_RANGE:
      return 400;
    case C::UNIMPLEMENTED:
      return 501;
    case C::UNAVAILABLE:
      return 503;
    default:
      return 500;  // UNKNOWN, INTERNAL, DATA_LOSS
  }
}

namespace {

// jsonpb leaves out empty strings and zero numbers.
void append_string_member(std::string& out, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  if (out.size() > 1) out += ',';
  out += '"';
  out += name;
  out += "\":";
  go_json::append_json_string(out, value);
}
void append_int_member(std::string& out, std::string_view name, int value) {
  if (value == 0) return;
  if (out.size() > 1) out += ',';
  out += '"';
  out += name;
  out += "\":" + std::to_string(value);
}
}  // namespace

// Members in the order etcd 3.4's gateway writes them.
std::string error_json(grpc::StatusCode code, std::string_view message) {
  std::string out = "{";
  append_string_member(out, "error", message);
  append_string_member(out, "message", message);
  append_int_member(out, "code", static_cast<int>(code));
  return out + "}";
}

std::string stream_error_json(grpc::StatusCode code, std::string_view message) {
  const int status = http_status(code);
  std::string out = "{";
  append_int_member(out, "grpc_code", static_cast<int>(code));
  append_int_member(out, "http_code", status);
  append_string_member(out, "message", message);
  append_string_member(out, "http_status", status_text(status));
  return "{\"error\":" + out + "}}";
}

}  // namespace gateway

}  // namespace etcd::v3rpc
