// ServerCluster: 1 or 3 members of etcd2 or of the real etcd on loopback, started by the
// benchmark with identical flags: heartbeat, election timeout, snapshot count, fsync on
// (neither is told otherwise), a data dir each under `data_root` (which must be on the
// real disk), and free ports picked by the kernel (never 2379/2380/4001/7001).
//
// start() returns once every member answers /health and a v2 write succeeds, or fails
// with the log tail of the member that did not come up. Members are stopped (SIGTERM,
// then SIGKILL) by stop() and by the destructor.
//
// Thread: main thread only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench/common/server_process.h"
#include "etcd/common/asio.h"

namespace bench {

enum class ServerKind { etcd2, etcd };
std::string_view server_name(ServerKind kind);

struct ClusterConfig {
  ServerKind kind = ServerKind::etcd2;
  std::string binary;
  std::vector<std::string> wrapper;  // command prefix (e.g. valgrind), usually empty
  int members = 1;
  std::string data_root;  // member i lives in <data_root>/m<i>, logs in <data_root>/m<i>.log
  int heartbeat_ms = 100;
  int election_ms = 1000;
  uint64_t snapshot_count = 10000;
  std::chrono::seconds start_timeout{60};
};

class ServerCluster {
 public:
  explicit ServerCluster(ClusterConfig config);
  ~ServerCluster();

  // Picks ports, starts every member and waits until the cluster serves.
  bool start(std::string* error);
  void stop();
  // Stops one member (SIGTERM) and starts it again on the same ports and data dir.
  void stop_member(int member);
  bool start_member(int member, std::string* error);
  bool member_running(int member) const;

  // Polls until every running member answers /health and a write through member 0
  // succeeds; false at the deadline (with the reason in `error`).
  bool wait_serving(std::chrono::steady_clock::time_point deadline, std::string* error);
  // Index of the member that reports itself leader, or -1.
  int leader() const;

  const ClusterConfig& config() const { return config_; }
  ClusterConfig& mutable_config() { return config_; }
  std::vector<boost::asio::ip::tcp::endpoint> client_endpoints() const;
  boost::asio::ip::tcp::endpoint client_endpoint(int member) const;
  std::vector<pid_t> pids() const;
  pid_t pid(int member) const;
  std::string data_dir(int member) const;
  std::string log_path(int member) const;
  std::string log_tail(int member, size_t lines = 15) const;

 private:
  std::vector<std::string> argv(int member) const;
  bool member_healthy(int member) const;

  ClusterConfig config_;
  std::vector<uint16_t> client_ports_;
  std::vector<uint16_t> peer_ports_;
  std::vector<std::unique_ptr<ServerProcess>> processes_;
  std::string token_;
};

// `count` distinct ports, free right now on 127.0.0.1 (bound to port 0 by the kernel).
std::vector<uint16_t> pick_free_ports(size_t count);

}  // namespace bench
