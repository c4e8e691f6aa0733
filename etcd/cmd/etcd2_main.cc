// etcd2: parse flags + ETCD_* env into a Config, set up logging, run the member.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <systemd/sd-daemon.h>

#include "etcd/cmd/config.h"
#include "etcd/cmd/server_config.h"
#include "etcd/common/asio.h"
#include "etcd/common/log.h"
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

// Runs the member until SIGTERM/SIGINT or until it is removed from the cluster.
int run(const etcd::cmd::Config& config) {
  auto server = etcd::server::EtcdServer::start(etcd::cmd::to_server_config(config));
  if (!server) {
    if (server.error().code == etcd::server::kErrDiscoveryFull &&
        config.discovery_fallback == etcd::cmd::DiscoveryFallback::proxy) {
      spdlog::critical("{}; --discovery-fallback=proxy needs proxy mode, which is not "
                       "supported yet (use --discovery-fallback=exit)",
                       server.error().message);
    } else {
      spdlog::critical("{}", server.error().message);
    }
    return 1;
  }
  auto& member = **server;
  member.on_ready([] {
    spdlog::info("ready to serve client requests");
    sd_notify(0, "READY=1");
  });
  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  signals.async_wait([&member](boost::system::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("received {}, shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
    sd_notify(0, "STOPPING=1");
    member.stop();
  });
  std::thread signal_thread([&signals_io] { signals_io.run(); });
  member.wait();
  signals_io.stop();
  signal_thread.join();
  spdlog::info("member {:x} stopped", member.id().value);
  return 0;
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
  if (outcome.config.proxy != etcd::cmd::ProxyMode::off) {
    spdlog::error("--proxy {} is not supported yet", outcome.config.proxy == etcd::cmd::ProxyMode::on ? "on" : "readonly");
    return 1;
  }
  if (!outcome.config.discovery_srv.empty()) {
    spdlog::error("--discovery-srv is not supported yet; use --discovery or --initial-cluster");
    return 1;
  }
  return run(outcome.config);
}
