// Bootstrap by DNS SRV (etcd's --discovery-srv): the initial cluster is read from the
// records _etcd-server-ssl._tcp.<domain> (https peers) and _etcd-server._tcp.<domain>
// (http peers). A target that resolves to one of our advertised peer addresses is us and
// gets our name; the others get the temporary names "0", "1", ... (their real names are
// published once they run), exactly as etcd 2.3 does.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "etcd/common/result.h"

namespace etcd::server {

struct SrvRecord {
  std::string target;  // host name, without the trailing dot
  uint16_t port = 0;
};

struct SrvResolver {
  // The SRV records of e.g. "_etcd-server._tcp.example.com"; an error when there are none.
  std::function<Result<std::vector<SrvRecord>>(const std::string& name)> lookup_srv;
  // "host:port" → the resolved addresses as "ip:port" (IPv6 as "[ip]:port").
  std::function<Result<std::vector<std::string>>(const std::string& host, uint16_t port)>
      resolve;
};

// The system's resolver (res_nquery and getaddrinfo; /etc/resolv.conf).
SrvResolver system_srv_resolver();

struct SrvCluster {
  std::string initial_cluster;            // "name=url,0=url,..."
  std::vector<std::string> self_peer_urls;  // our entries as the records spell them
};

// `advertise_peer_urls` are ours; `name` is our --name.
Result<SrvCluster> srv_initial_cluster(const std::string& domain, const std::string& name,
                                       const std::vector<std::string>& advertise_peer_urls,
                                       const SrvResolver& resolver);

}  // namespace etcd::server
