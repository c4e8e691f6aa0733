// The peer-port view of membership: GET /members as this member serves it, and the client
// a joining member uses to read it from a running cluster.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "etcd/common/result.h"
#include "etcd/server/http_client.h"
#include "etcd/server/membership.h"

namespace etcd::server {

// {"clusterID":"<hex>","members":[{"id":"<hex>","name":..,"peerURLs":[..],"clientURLs":[..]}]}
std::string peer_members_json(const Membership& membership);
Result<Membership> parse_peer_members_json(std::string_view json);

// Tries each peer URL in turn (2 s timeout each) until one answers GET /members; https
// peer URLs are dialled with `tls` (the --peer-* certificate and CA).
Result<Membership> fetch_membership_over_http(const std::vector<std::string>& peer_urls,
                                              const TlsClientContext& tls = nullptr);

// "http://host:port" -> {host, port}.
Result<std::pair<std::string, uint16_t>> parse_host_port(const std::string& url);

}  // namespace etcd::server
