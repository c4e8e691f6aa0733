// BenchOptions: the command line of v2_bench. The default is a few-minute subset for
// `make bench` (3 members, 1 and 64 connections, every workload, 3 s cells, 2 repetitions,
// no keyspace phase); --full is the whole matrix of issue 8 plus the 100k-key phase, and
// --keys-1m adds the 1M-key phase.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/common/server_cluster.h"
#include "bench/v2/request_source.h"

namespace bench {

struct BenchOptions {
  std::string etcd2_path;
  std::string etcd_path = "/usr/bin/etcd";
  std::vector<ServerKind> servers = {ServerKind::etcd2, ServerKind::etcd};
  std::string data_dir;  // on the real disk; default: beside the binary
  bool keep_data = false;
  bool allow_tmpfs = false;

  std::vector<Workload> workloads = {Workload::put_distinct, Workload::put_hot, Workload::get,
                                     Workload::get_quorum,   Workload::cas,     Workload::watch};
  std::vector<uint32_t> connections = {1, 64};
  std::vector<int> members = {3};
  double seconds = 3;
  double warmup_s = 1;
  int repetitions = 2;
  uint32_t watchers = 1000;
  uint32_t client_threads = 1;

  bool matrix = true;                   // false: only the keyspace phase
  std::vector<uint64_t> keyspace_keys;  // empty: no keyspace phase
  uint32_t load_connections = 64;
  int restarts = 2;

  int heartbeat_ms = 100;
  int election_ms = 1000;
  uint64_t snapshot_count = 10000;

  // Profiling: a command prefix for every etcd2 member (e.g. "valgrind --tool=callgrind"),
  // and shell commands run when each measured window starts/ends; {leader} and {pids}
  // are replaced by the pid of the leader and of all members.
  std::string etcd2_wrapper;
  std::string hook_start;
  std::string hook_end;
};

// Parses argv; prints help or an error and exits on a bad command line.
BenchOptions parse_options(int argc, char** argv);

}  // namespace bench
