// Proxy: etcd 2.3's proxy mode. A member-less process that serves the v2 client API on its
// listen URLs by forwarding each request to a cluster member (forwarder.h), learning the
// members' client URLs from the peer port's GET /members (refresher.h) and keeping the
// peer URLs in <data-dir>/proxy/cluster so that it restarts without bootstrap flags. It
// holds no raft state, WAL or store: nothing but that one file is ever written.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "etcd/common/asio.h"
#include "etcd/common/clock.h"
#include "etcd/common/result.h"
#include "etcd/http/server.h"
#include "etcd/proxy/endpoints.h"
#include "etcd/proxy/refresher.h"
#include "etcd/proxy/upstream_call.h"

namespace etcd::proxy {

struct ProxyConfig {
  std::string data_dir;
  std::vector<std::string> listen_client_urls;
  std::vector<std::string> initial_peer_urls;  // --initial-cluster's URLs
  std::string discovery_url;                   // --discovery, used when no cluster file
  bool readonly = false;
  int64_t failure_wait_ms = 5000;
  int64_t refresh_interval_ms = 30000;
  Timeouts timeouts;
  int threads = 2;
  uint64_t seed = 1;
  std::function<void()> on_ready;  // once listening and the first refresh is done
};

class Proxy {
 public:
  // Picks the peer URLs (cluster file, else discovery, else initial cluster), listens, and
  // starts serving. Errors: data dir, cluster file, discovery, listen.
  static Result<std::unique_ptr<Proxy>> start(ProxyConfig config);
  ~Proxy();

  void stop();  // from any thread; wait() then returns
  void wait();
  const std::vector<uint16_t>& client_ports() const { return ports_; }

 private:
  explicit Proxy(ProxyConfig config);
  Result<void> listen();

  ProxyConfig config_;
  SystemClock clock_;
  boost::asio::io_context io_;
  Endpoints endpoints_;
  std::unique_ptr<http::Server> server_;
  std::shared_ptr<Refresher> refresher_;
  std::vector<uint16_t> ports_;
  std::vector<std::thread> threads_;
};

// Where the peer URLs come from at start: the cluster file wins, then discovery, then the
// initial cluster (etcd's order). Creates <data-dir>/proxy.
Result<std::vector<std::string>> initial_peers(const ProxyConfig& config);

}  // namespace etcd::proxy
