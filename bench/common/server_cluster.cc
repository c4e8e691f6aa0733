#include "bench/common/server_cluster.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "bench/common/http_probe.h"

namespace bench {

namespace asio = boost::asio;

std::string_view server_name(ServerKind kind) {
  return kind == ServerKind::etcd2 ? "etcd2" : "etcd";
}

std::vector<uint16_t> pick_free_ports(size_t count) {
  static constexpr uint16_t kReserved[] = {2379, 2380, 4001, 7001};
  asio::io_context io;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> held;  // held open: all distinct
  std::vector<uint16_t> ports;
  while (ports.size() < count) {
    auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(
        io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const uint16_t port = acceptor->local_endpoint().port();
    held.push_back(std::move(acceptor));
    if (std::find(std::begin(kReserved), std::end(kReserved), port) == std::end(kReserved)) {
      ports.push_back(port);
    }
  }
  return ports;
}

ServerCluster::ServerCluster(ClusterConfig config) : config_(std::move(config)) {
  processes_.resize(static_cast<size_t>(config_.members));
}

ServerCluster::~ServerCluster() {
  stop();
}

std::vector<std::string> ServerCluster::argv(int member) const {
  std::string cluster;
  for (int m = 0; m < config_.members; ++m) {
    cluster += fmt::format("{}m{}=http://127.0.0.1:{}", m ? "," : "", m, peer_ports_[m]);
  }
  const auto client = fmt::format("http://127.0.0.1:{}", client_ports_[member]);
  const auto peer = fmt::format("http://127.0.0.1:{}", peer_ports_[member]);
  // clang-format off
  std::vector<std::string> args = {
      config_.binary, "--name", fmt::format("m{}", member), "--data-dir", data_dir(member),
      "--listen-client-urls", client, "--advertise-client-urls", client,
      "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
      "--initial-cluster", cluster, "--initial-cluster-token", token_,
      "--initial-cluster-state", "new",
      "--heartbeat-interval", std::to_string(config_.heartbeat_ms),
      "--election-timeout", std::to_string(config_.election_ms),
      "--snapshot-count", std::to_string(config_.snapshot_count)};
  // clang-format on
  if (config_.kind == ServerKind::etcd) args.push_back("--enable-v2=true");
  args.insert(args.begin(), config_.wrapper.begin(), config_.wrapper.end());
  return args;
}

bool ServerCluster::start(std::string* error) {
  const auto ports = pick_free_ports(2 * static_cast<size_t>(config_.members));
  client_ports_.assign(ports.begin(), ports.begin() + config_.members);
  peer_ports_.assign(ports.begin() + config_.members, ports.end());
  token_ = fmt::format("bench-{}-{}", server_name(config_.kind), ports.front());
  std::filesystem::create_directories(config_.data_root);
  for (int m = 0; m < config_.members; ++m) {
    std::filesystem::remove_all(data_dir(m));
    std::filesystem::remove(log_path(m));
    processes_[m] = ServerProcess::start(argv(m), log_path(m), error);
    if (!processes_[m]) return false;
  }
  return wait_serving(std::chrono::steady_clock::now() + config_.start_timeout, error);
}

void ServerCluster::stop() {
  for (auto& p : processes_) {
    if (p) p->stop();
    p.reset();
  }
}

void ServerCluster::stop_member(int member) {
  if (processes_[member]) processes_[member]->stop();
  processes_[member].reset();
}

bool ServerCluster::start_member(int member, std::string* error) {
  processes_[member] = ServerProcess::start(argv(member), log_path(member), error);
  return processes_[member] != nullptr;
}

bool ServerCluster::member_running(int member) const {
  return processes_[member] && processes_[member]->running();
}

bool ServerCluster::member_healthy(int member) const {
  auto r = http_call(client_endpoint(member), "GET", "/health", {}, std::chrono::seconds(2));
  return r && r->status == 200 && r->body.find("\"health\":\"true\"") != std::string::npos;
}

bool ServerCluster::wait_serving(std::chrono::steady_clock::time_point deadline,
                                 std::string* error) {
  for (;;) {
    bool healthy = true;
    for (int m = 0; m < config_.members && healthy; ++m) {
      if (!processes_[m]) continue;
      if (!processes_[m]->running()) {
        *error =
            fmt::format("{} member m{} exited:\n{}", server_name(config_.kind), m, log_tail(m));
        return false;
      }
      healthy = member_healthy(m);
    }
    if (healthy) {
      auto put = http_call(client_endpoint(0), "PUT", "/v2/keys/bench/ready", "value=1");
      if (put && (put->status == 200 || put->status == 201)) return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      *error = fmt::format("{} cluster did not serve in time; m0 log:\n{}",
                           server_name(config_.kind), log_tail(0));
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

int ServerCluster::leader() const {
  for (int m = 0; m < config_.members; ++m) {
    auto r = http_call(client_endpoint(m), "GET", "/v2/stats/self");
    if (r && r->body.find("\"state\":\"StateLeader\"") != std::string::npos) return m;
  }
  return -1;
}

std::vector<asio::ip::tcp::endpoint> ServerCluster::client_endpoints() const {
  std::vector<asio::ip::tcp::endpoint> endpoints;
  for (int m = 0; m < config_.members; ++m)
    endpoints.push_back(client_endpoint(m));
  return endpoints;
}

asio::ip::tcp::endpoint ServerCluster::client_endpoint(int member) const {
  return {asio::ip::make_address("127.0.0.1"), client_ports_[member]};
}

std::vector<pid_t> ServerCluster::pids() const {
  std::vector<pid_t> pids;
  for (const auto& p : processes_) {
    if (p) pids.push_back(p->pid());
  }
  return pids;
}

pid_t ServerCluster::pid(int member) const {
  return processes_[member] ? processes_[member]->pid() : 0;
}

std::string ServerCluster::data_dir(int member) const {
  return fmt::format("{}/m{}", config_.data_root, member);
}

std::string ServerCluster::log_path(int member) const {
  return fmt::format("{}/m{}.log", config_.data_root, member);
}

std::string ServerCluster::log_tail(int member, size_t lines) const {
  std::ifstream in(log_path(member));
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);)
    all.push_back(line);
  std::string tail;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
    tail += "  " + all[i] + "\n";
  }
  return tail;
}

}  // namespace bench
