// Refresher: keeps the proxy's endpoints equal to the cluster's client URLs. Every
// --proxy-refresh-interval it asks the known peer URLs, in turn, for GET /members; the
// first answer replaces the endpoints (reshuffled, failure marks cleared) and the peer
// URLs, which are saved to the cluster file for the next start. When no peer answers the
// endpoints become empty, as in etcd (requests then get 503 until a refresh succeeds), and
// with the default interval or longer the next try comes after 1 s instead.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "etcd/common/asio.h"
#include "etcd/proxy/endpoints.h"
#include "etcd/proxy/upstream_call.h"

namespace etcd::proxy {

struct RefreshOptions {
  std::vector<std::string> peer_urls;  // where to ask first
  std::string proxy_dir;               // for the cluster file; empty = do not persist
  std::chrono::milliseconds interval{30000};
  Timeouts timeouts;
};

class Refresher : public std::enable_shared_from_this<Refresher> {
 public:
  Refresher(boost::asio::io_context& io, Endpoints& endpoints, RefreshOptions options);

  // Refreshes now, calls `first_done` once that first round ended (well or not), then
  // keeps refreshing until stop().
  void start(std::function<void()> first_done);
  void stop();

 private:
  void refresh();
  void ask(size_t index, std::vector<std::string> peers, std::string errors);
  void adopt(const std::string& peer, const std::string& body);
  void round_done();

  boost::asio::io_context& io_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;
  Endpoints& endpoints_;
  RefreshOptions options_;
  std::function<void()> first_done_;
  bool stopped_ = false;
  bool logged_found_ = false;
};

}  // namespace etcd::proxy
