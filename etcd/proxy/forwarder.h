// Forwarder: the proxy's http::Handler. Answers locally what etcd's proxy answers itself
// (readonly refusals, /v2/config/local/proxy, no endpoints), and forwards everything else
// to the first available member, failing over to the next one while no response head has
// arrived (each failure marks the member for --proxy-failure-wait). Once a member answers,
// its response is relayed as is: whole for sized bodies, chunk by chunk for streams.
#pragma once

#include <memory>

#include "etcd/common/asio.h"
#include "etcd/http/exchange.h"
#include "etcd/proxy/endpoints.h"
#include "etcd/proxy/upstream_call.h"

namespace etcd::proxy {

struct ForwardOptions {
  bool readonly = false;  // --proxy readonly: only GET is forwarded
  Timeouts timeouts;
};

// The Endpoints must outlive every exchange the handler is given.
http::Handler make_forwarder(boost::asio::io_context& io, Endpoints& endpoints,
                             ForwardOptions options);

// etcd's error body: {"message":"httpproxy: ..."} with Content-Type application/json.
http::Response proxy_error(int status, const std::string& message);

}  // namespace etcd::proxy
