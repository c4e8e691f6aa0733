// etcd2: parse flags + ETCD_* env into a Config, set up logging, run the member or, in
// proxy mode, the proxy (docs/proxy.md).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <systemd/sd-daemon.h>

#include "etcd/cmd/config.h"
#include "etcd/cmd/server_config.h"
#include "etcd/common/asio.h"
#include "etcd/common/log.h"
#include "etcd/proxy/proxy.h"
#include "etcd/server/discovery.h"

extern char** environ;

namespace {

std::vector<std::string> environment_names() {
  std::vector<std::string> names;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    names.push_back(entry.substr(0, entry.find('=')));
  }
  return names;
}

void notify_ready() {
  spdlog::info("ready to serve client requests");
  sd_notify(0, "READY=1");
}

// Calls `stop` on SIGTERM/SIGINT while `wait` blocks.
void serve_until_signalled(const std::function<void()>& stop, const std::function<void()>& wait) {
  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  signals.async_wait([&stop](boost::system::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("received {}, shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
    sd_notify(0, "STOPPING=1");
    stop();
  });
  std::thread signal_thread([&signals_io] { signals_io.run(); });
  wait();
  signals_io.stop();
  signal_thread.join();
}

etcd::proxy::ProxyConfig to_proxy_config(const etcd::cmd::Config& c) {
  etcd::proxy::ProxyConfig p;
  p.data_dir = c.data_dir;
  for (const auto& u : c.listen_client_urls) p.listen_client_urls.push_back(u.raw);
  // Without --discovery the initial cluster (given, or its default) names the peers.
  if (c.discovery.empty()) {
    for (const auto& e : c.initial_cluster) p.initial_peer_urls.push_back(e.url.raw);
  }
  p.discovery_url = c.discovery;
  p.readonly = c.proxy == etcd::cmd::ProxyMode::readonly;
  p.failure_wait_ms = static_cast<int64_t>(c.proxy_failure_wait_ms);
  p.refresh_interval_ms = static_cast<int64_t>(c.proxy_refresh_interval_ms);
  p.timeouts.dial = std::chrono::milliseconds(c.proxy_dial_timeout_ms);
  p.timeouts.write = std::chrono::milliseconds(c.proxy_write_timeout_ms);
  p.timeouts.read = std::chrono::milliseconds(c.proxy_read_timeout_ms);
  p.seed = std::random_device{}();
  p.on_ready = notify_ready;
  return p;
}

// Runs the proxy until SIGTERM/SIGINT.
int run_proxy(const etcd::cmd::Config& config) {
  spdlog::info("proxy: this proxy supports v2 API only!");
  if (!config.discovery_srv.empty()) {
    // Without this the proxy would silently fall back to the default initial cluster.
    spdlog::critical("proxy: --discovery-srv is not supported in proxy mode; use "
                     "--initial-cluster or --discovery");
    return 1;
  }
  auto proxy = etcd::proxy::Proxy::start(to_proxy_config(config));
  if (!proxy) {
    spdlog::critical("{}", proxy.error().message);
    return 1;
  }
  serve_until_signalled([&p = **proxy] { p.stop(); }, [&p = **proxy] { p.wait(); });
  spdlog::info("proxy stopped");
  return 0;
}

// Runs the member until SIGTERM/SIGINT or until it is removed from the cluster; a full
// discovery cluster with --discovery-fallback=proxy turns this process into a proxy.
int run_member(const etcd::cmd::Config& config) {
  auto server = etcd::server::EtcdServer::start(etcd::cmd::to_server_config(config));
  if (!server) {
    if (server.error().code == etcd::server::kErrDiscoveryFull &&
        config.discovery_fallback == etcd::cmd::DiscoveryFallback::proxy) {
      spdlog::info("discovery cluster full, falling back to proxy");
      return run_proxy(config);
    }
    spdlog::critical("{}", server.error().message);
    return 1;
  }
  auto& member = **server;
  member.on_ready(notify_ready);
  serve_until_signalled([&member] { member.stop_gracefully(); }, [&member] { member.wait(); });
  spdlog::info("member {:x} stopped", member.id().value);
  return 0;
}

// As etcd 2.3: a data dir that already holds a member or a proxy decides what this process
// is, whatever --proxy says; an empty one follows --proxy.
int run(const etcd::cmd::Config& config) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool member = fs::exists(fs::path(config.data_dir) / "member", ec);
  const bool proxy = fs::exists(fs::path(config.data_dir) / "proxy", ec);
  if (member && proxy) {
    spdlog::critical("invalid datadir {}: both member and proxy directories exist",
                     config.data_dir);
    return 1;
  }
  if (member || proxy) {
    const char* what = member ? "member" : "proxy";
    spdlog::info("the server is already initialized as {} before, starting as etcd {}...", what,
                 what);
    return member ? run_member(config) : run_proxy(config);
  }
  return config.proxy == etcd::cmd::ProxyMode::off ? run_member(config) : run_proxy(config);
}

// Every client connection and watch holds a descriptor; the soft limit (often 1024) would
// cap a member far below its connection limit. Raise it to the hard limit, as Go does.
void raise_open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  const rlim_t wanted = std::min<rlim_t>(limit.rlim_max, rlim_t{1} << 20);  // Linux's nr_open
  if (limit.rlim_cur >= wanted) return;
  limit.rlim_cur = wanted;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    spdlog::warn("could not raise the open files limit to {}", static_cast<uint64_t>(wanted));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto env = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  auto outcome = etcd::cmd::parse_config(args, env, environment_names());
  if (outcome.action == etcd::cmd::ParseOutcome::Action::exit) {
    std::fputs(outcome.output.c_str(), stdout);
    std::fputs(outcome.error.c_str(), stderr);
    return outcome.exit_code;
  }
  etcd::log::init({.debug = outcome.config.debug, .name = "etcd2"});
  for (const auto& warning : outcome.warnings) spdlog::warn("{}", warning);
  raise_open_files_limit();
  return run(outcome.config);
}
