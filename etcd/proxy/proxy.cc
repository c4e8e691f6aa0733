#include "etcd/proxy/proxy.h"

#include <filesystem>

#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "etcd/proxy/cluster_file.h"
#include "etcd/proxy/discovery.h"
#include "etcd/proxy/forwarder.h"
#include "etcd/proxy/origin.h"

namespace etcd::proxy {

namespace fs = std::filesystem;

Result<std::vector<std::string>> initial_peers(const ProxyConfig& config) {
  const std::string dir = proxy_dir(config.data_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{"cannot create " + dir + ": " + ec.message()};
  fs::permissions(dir, fs::perms::owner_all, ec);  // etcd's PrivateDirMode (0700)
  auto saved = read_cluster_file(dir);
  if (!saved) return saved.error();
  if (saved->has_value()) {
    if (!config.discovery_url.empty()) {
      spdlog::warn(
          "proxy: discovery token ignored since the proxy has already been "
          "initialized. Valid cluster file found at {}/cluster",
          dir);
    }
    spdlog::info("proxy: using peer urls {} from cluster file {}/cluster", fmt::join(**saved, ","),
                 dir);
    return std::move(**saved);
  }
  std::vector<std::string> peers = config.initial_peer_urls;
  if (!config.discovery_url.empty()) {
    auto discovered = discover_peer_urls(config.discovery_url, config.timeouts);
    if (!discovered) return discovered.error();
    peers = std::move(discovered).value();
  }
  if (peers.empty()) return Error{"proxy: no peer URLs to learn the cluster from"};
  spdlog::info("proxy: using peer urls {}", fmt::join(peers, ","));
  return peers;
}

Proxy::Proxy(ProxyConfig config)
    : config_(std::move(config)), endpoints_(clock_, config_.failure_wait_ms, config_.seed) {}

Result<std::unique_ptr<Proxy>> Proxy::start(ProxyConfig config) {
  auto peers = initial_peers(config);
  if (!peers) return peers.error();
  std::unique_ptr<Proxy> proxy(new Proxy(std::move(config)));
  if (auto listening = proxy->listen(); !listening) return listening.error();
  const auto& c = proxy->config_;
  proxy->refresher_ = std::make_shared<Refresher>(
      proxy->io_, proxy->endpoints_,
      RefreshOptions{std::move(peers).value(), proxy_dir(c.data_dir),
                     std::chrono::milliseconds(c.refresh_interval_ms), c.timeouts});
  proxy->refresher_->start([on_ready = c.on_ready] {
    if (on_ready) on_ready();
  });
  for (int i = 0; i < std::max(1, c.threads); ++i) {
    proxy->threads_.emplace_back([p = proxy.get()] { p->io_.run(); });
  }
  return proxy;
}

Result<void> Proxy::listen() {
  server_ = std::make_unique<http::Server>(
      io_, http::Limits{},
      make_forwarder(io_, endpoints_,
                     {.readonly = config_.readonly, .timeouts = config_.timeouts}));
  for (const auto& url : config_.listen_client_urls) {
    // Refused rather than served in plain text on a URL meant to be encrypted.
    if (url.starts_with("https://")) {
      return Error{"listen " + url + ": TLS on the client port is not supported in proxy mode"};
    }
    auto origin = parse_origin(url);
    if (!origin) return origin.error();
    auto port = server_->listen(origin->host, origin->port);
    if (!port) return port.error();
    ports_.push_back(*port);
    spdlog::info("proxy: listening for client requests on {}", url);
  }
  return Ok{};
}

void Proxy::stop() {
  if (server_) server_->stop();
  if (refresher_) refresher_->stop();
  // In-flight calls to members (watches) need not finish: the clients are gone.
  io_.stop();
}

void Proxy::wait() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

Proxy::~Proxy() {
  stop();
  wait();
}

}  // namespace etcd::proxy
