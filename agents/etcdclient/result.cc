#include "agents/etcdclient/result.h"

#include <algorithm>

namespace etcd::client {

std::string Error::to_string() const {
  switch (kind) {
    case ErrorKind::etcd:
      // etcd client Error.Error(): "%v: %v (%v) [%v]".
      return std::to_string(error_code) + ": " + message + " (" + cause + ") [" +
             std::to_string(index) + "]";
    case ErrorKind::transport: {
      // etcd client ClusterError.Error(): every error is followed by a newline.
      std::string out = "client: etcd cluster is unavailable or misconfigured";
      for (size_t i = 0; i < endpoint_errors.size(); ++i) {
        out += "; error #" + std::to_string(i) + ": " + endpoint_errors[i].message + "\n";
      }
      return out;
    }
    default:
      return message;
  }
}

bool Error::is_connection_error() const {
  return kind == ErrorKind::transport && !endpoint_errors.empty() &&
         std::all_of(endpoint_errors.begin(), endpoint_errors.end(),
                     [](const EndpointError& e) { return e.connection; });
}

Error invalid_argument(std::string message) {
  return Error{.kind = ErrorKind::invalid, .message = std::move(message)};
}

Error decode_error(std::string message) {
  return Error{.kind = ErrorKind::decode, .message = std::move(message)};
}

}  // namespace etcd::client
