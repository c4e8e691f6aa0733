// FleetApi: the v1 HTTP API's logic (docs/fleet.md "HTTP API"), over the Registry: units
// (list, get, PUT with fleet's create / desired-state rules, DELETE), unit states, machines
// and their metadata PATCH, with page tokens and fleet's error JSON. Mounted under
// /fleet/v1 and /v1-alpha. While fleetd is not registered in etcd every request answers
// 503 "fleet server unable to communicate with etcd".
//
// Threading: handle() may be called from many connection threads; it serialises on its
// own Registry (one etcd client).
#pragma once

#include <atomic>
#include <mutex>

#include "agents/fleet/api_model.h"
#include "agents/fleet/api_server.h"
#include "agents/fleet/registry.h"

namespace corestack::fleet {

class FleetApi {
 public:
  FleetApi(Registry& registry, uint16_t token_limit);

  ApiResponse handle(const ApiRequest& request);
  void set_registered(bool registered) { registered_ = registered; }

 private:
  ApiResponse route(const ApiRequest& request, std::string_view path);
  ApiResponse list_units(const ApiRequest& request);
  ApiResponse get_unit(std::string_view name);
  ApiResponse put_unit(const ApiRequest& request, std::string_view name);
  ApiResponse delete_unit(std::string_view name);
  ApiResponse list_states(const ApiRequest& request);
  ApiResponse list_machines(const ApiRequest& request);
  ApiResponse patch_machines(const ApiRequest& request);

  // Every unit with its desired and derived current state, sorted by name.
  RegistryResult<std::vector<ApiUnit>> units();

  Registry& registry_;
  uint16_t token_limit_;
  std::atomic<bool> registered_{false};
  std::mutex mutex_;
};

}  // namespace corestack::fleet
