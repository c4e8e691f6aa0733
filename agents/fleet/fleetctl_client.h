// FleetClient: fleetctl's side of the v1 API (docs/fleet.md "fleetctl"), over libcurl to
// `unix:///var/run/fleet.sock` (CURLOPT_UNIX_SOCKET_PATH) or `http(s)://host:port`. Lists
// follow nextPageToken to the end. An error answer becomes "googleapi: Error <code>:
// <message>", as fleet's generated client printed it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "agents/fleet/api_model.h"
#include "agents/fleet/expected.h"

namespace corestack::fleet {

class FleetClient {
 public:
  // Errors: an endpoint that is neither unix:// nor http(s)://, e.g. "unix://var/run/x"
  // (missing slash) -> "unable to connect to host ...".
  static Expected<FleetClient, std::string> create(const std::string& endpoint,
                                                   std::chrono::milliseconds timeout);

  Expected<std::vector<ApiUnit>, std::string> units();
  Expected<std::optional<ApiUnit>, std::string> unit(const std::string& name);
  Expected<std::vector<ApiUnitState>, std::string> states();
  Expected<std::vector<ApiMachine>, std::string> machines();
  // PUT /units/<name>: a new unit (options + desired state) or a desired-state change.
  Expected<Done, std::string> create_unit(const ApiUnit& unit);
  Expected<Done, std::string> set_desired_state(const std::string& name, std::string_view state);
  Expected<Done, std::string> destroy(const std::string& name);

 private:
  struct Reply {
    long status = 0;
    std::string body;
  };
  FleetClient(std::string socket_path, std::string base_url, std::chrono::milliseconds timeout)
      : socket_path_(std::move(socket_path)), base_url_(std::move(base_url)), timeout_(timeout) {}
  Expected<Reply, std::string> call(const std::string& method, const std::string& path,
                                    const std::string& body = "");
  Expected<Reply, std::string> expect(const std::string& method, const std::string& path,
                                      const std::string& body, std::initializer_list<long> ok);
  Expected<std::string, std::string> get_body(const std::string& path);  // GET, 200 only

  std::string socket_path_;  // "" for http(s)
  std::string base_url_;     // "http://localhost/fleet/v1" for a unix socket
  std::chrono::milliseconds timeout_;
};

}  // namespace corestack::fleet
