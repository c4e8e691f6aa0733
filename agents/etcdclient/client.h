// Client: one agent's connection to an etcd cluster over the v2 HTTP API. It owns the
// endpoint list and sends each request to the pinned endpoint (the last one that
// answered), failing over to the next on a transport failure or a 5xx answer, as etcd's
// Go client does (etcd client/client.go httpClusterClient.Do). etcd errors (4xx with an
// errorCode) are answers, never retried.
//
// Failover rule for writes: a request that is not a GET is sent to the next endpoint only
// when it cannot have reached a server (refused, unresolvable, TLS handshake, connect
// timeout) or the server answered 5xx — never after a broken connection or a timeout
// mid-request, which could apply a write twice.
//
// The keys, members and auth calls live in KeysApi, Watcher, MembersApi and AuthApi,
// which build requests and send them through a Client.
//
// Threading: not thread-safe; synchronous. One Client per thread (an agent's event loop,
// a watch thread). Every call blocks for at most the configured timeouts.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agents/etcdclient/config.h"
#include "agents/etcdclient/curl_transport.h"
#include "agents/etcdclient/http.h"
#include "agents/etcdclient/result.h"
#include "agents/etcdclient/types.h"
#include "agents/etcdclient/url.h"

namespace etcd::client {

class Client {
 public:
  // Validates `config` (errors: kind invalid). Does not contact the cluster.
  static Result<std::unique_ptr<Client>> create(Config config);

  // Sends `request`, with failover (above), within Config::total_timeout_ms. Any HTTP
  // status below 500 is returned as a response. Errors: transport (every endpoint tried
  // failed; one EndpointError each), timeout (total_timeout_ms, or a wait request's own
  // timeout ran out).
  Result<HttpResponse> send(const HttpRequest& request);

  // Replaces the endpoints with the client URLs every member publishes (GET
  // /v2/members), keeping the pinned one when it is still listed. Errors: those of
  // send(), an unexpected status (http), no published URL ("client: no endpoints
  // available", kind invalid).
  Result<void> sync();

  // GET /version and GET /health on the cluster (failover as send()).
  Result<Version> version();
  Result<bool> health();
  // GET <client_url>/health on exactly that URL (no failover): one member's health.
  Result<bool> member_health(const std::string& client_url);

  // Endpoint URLs in failover order as configured or synced (Go url.String() form).
  std::vector<std::string> endpoint_urls() const;
  const Config& config() const { return config_; }
  // Changes Config::total_timeout_ms for the calls that follow (0 = no limit).
  void set_total_timeout_ms(uint64_t ms) { config_.total_timeout_ms = ms; }

 private:
  Client(Config config, std::vector<Endpoint> endpoints);

  Error failure(std::vector<EndpointError> errors) const;

  Config config_;
  std::vector<Endpoint> endpoints_;
  size_t pinned_ = 0;
  CurlTransport transport_;
};

}  // namespace etcd::client
