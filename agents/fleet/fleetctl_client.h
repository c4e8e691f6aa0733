// FleetClient: fleetctl's side of the v1 API (docs/fleet.md "fleetctl"). Every command goes
// through it; only its Transport differs by driver:
//   - http_transport: libcurl to `unix:///var/run/fleet.sock` (CURLOPT_UNIX_SOCKET_PATH) or
//     `http(s)://host:port` (TLS with --key-file/--cert-file/--ca-file);
//   - etcd_transport (--driver etcd): fleetd's own FleetApi in-process, over a Registry on
//     etcd (agents/etcdclient), as fleetctl's etcd driver read the registry directly;
//   - stdio_transport (--tunnel): one HTTP/1.1 request per run of a command that pipes its
//     stdin/stdout to the API (`ssh TUNNEL fleetctl fd-forward SOCK`, or `ssh -W host:port`).
// Lists follow nextPageToken to the end. An error answer becomes "googleapi: Error <code>:
// <message>", as fleet's generated client printed it.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agents/fleet/api_model.h"
#include "agents/fleet/expected.h"

namespace corestack::fleet {

struct HttpReply {
  long status = 0;
  std::string body;
};

// (method, path under /fleet/v1 with its query, JSON body or "") -> the answer.
using Transport = std::function<Expected<HttpReply, std::string>(
    const std::string& method, const std::string& path, const std::string& body)>;

struct TlsFiles {
  std::string key_file, cert_file, ca_file;
};

// Errors: an endpoint that is neither unix:// nor http(s)://, e.g. "unix://var/run/x"
// (missing slash) -> "unable to connect to host ...". Only the first of a comma list is used.
Expected<Transport, std::string> http_transport(const std::string& endpoint,
                                                std::chrono::milliseconds timeout,
                                                const TlsFiles& tls);

// `endpoints`: comma-separated etcd client URLs. Errors: an invalid etcd configuration.
Expected<Transport, std::string> etcd_transport(const std::string& endpoints,
                                                const std::string& key_prefix,
                                                std::chrono::milliseconds timeout,
                                                const TlsFiles& tls, bool debug);

// Runs `argv` once per request, writes the request (with "Connection: close") to its stdin
// and parses the HTTP answer from its stdout.
Transport stdio_transport(std::vector<std::string> argv, std::chrono::milliseconds timeout);

// The HTTP/1.1 request fleetctl sends over a pipe, and the answer parsed back (Content-Length,
// chunked, or up to EOF). Errors: not an HTTP answer.
std::string http_request_text(const std::string& method, const std::string& path,
                              const std::string& body);
Expected<HttpReply, std::string> parse_http_reply(std::string_view raw);

class FleetClient {
 public:
  explicit FleetClient(Transport transport) : transport_(std::move(transport)) {}

  Expected<std::vector<ApiUnit>, std::string> units();
  Expected<std::optional<ApiUnit>, std::string> unit(const std::string& name);
  Expected<std::vector<ApiUnitState>, std::string> states();
  Expected<std::vector<ApiMachine>, std::string> machines();
  // PUT /units/<name>: a new unit (options + desired state), or new options for an existing
  // one (fleetd stores the unit again under the new hash), or a desired-state change.
  Expected<Done, std::string> create_unit(const ApiUnit& unit);
  Expected<Done, std::string> set_desired_state(const std::string& name, std::string_view state);
  Expected<Done, std::string> destroy(const std::string& name);

 private:
  Expected<HttpReply, std::string> expect(const std::string& method, const std::string& path,
                                          const std::string& body, std::initializer_list<long> ok);
  Expected<std::string, std::string> get_body(const std::string& path);  // GET, 200 only

  Transport transport_;
};

}  // namespace corestack::fleet
