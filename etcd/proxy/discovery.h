// The discovery protocol, read side only: a proxy started with --discovery does not
// register itself; it waits until the discovery directory holds `_config/size`
// registrations and takes their peer URLs (etcd's discovery.GetCluster).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "etcd/common/result.h"
#include "etcd/proxy/upstream_call.h"

namespace etcd::proxy {

struct DiscoveryWait {
  std::chrono::milliseconds poll{1000};
  std::chrono::milliseconds total{std::chrono::minutes(10)};
};

// Blocking (startup only). Errors: size key missing, malformed registrations, timeout.
Result<std::vector<std::string>> discover_peer_urls(const std::string& discovery_url,
                                                    Timeouts timeouts, DiscoveryWait wait = {});

// The peer URLs of the first `size` registrations (by creation), from the JSON answer of
// GET <discovery url> (the directory). nullopt-like empty result while fewer registered.
Result<std::vector<std::string>> registered_peer_urls(const std::string& dir_json, size_t size);

}  // namespace etcd::proxy
