#include "etcd/transport/transport.h"

namespace etcd::transport {

Transport::~Transport() = default;

PeerHttpResponse default_peer_http(const PeerHttpRequest& request) {
  if (request.target == "/version" && (request.method == "GET" || request.method == "HEAD")) {
    return PeerHttpResponse{.body = R"({"etcdserver":"2.3.8","etcdcluster":"2.3.0"})"};
  }
  return PeerHttpResponse{
      .status = 404, .content_type = "text/plain", .body = "404 page not found\n"};
}

}  // namespace etcd::transport
