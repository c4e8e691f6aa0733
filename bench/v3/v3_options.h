// Options: the command line of v3_bench. The default (`make bench`, under 5 minutes on 2
// cores) runs every workload against a fresh 3-member cluster of each server, 64 requests
// in flight over 12 channels, 5 s measured after 1 s of warm-up, 2 interleaved
// repetitions, 1000 watchers; --quick is a smoke run of about a minute.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/common/server_cluster.h"
#include "bench/v3/v3_client.h"

namespace bench::v3 {

struct Options {
  std::string etcd2_path;
  std::string etcd_path = "/usr/bin/etcd";
  std::vector<ServerKind> servers = {ServerKind::etcd2, ServerKind::etcd};
  std::string data_dir;  // on the real disk; default: beside the binary
  bool keep_data = false;
  bool allow_tmpfs = false;

  std::vector<Workload> workloads = {Workload::put, Workload::range, Workload::range_serializable,
                                     Workload::txn, Workload::watch};
  int members = 3;
  uint32_t inflight = 64;
  uint32_t channels = 12;
  uint32_t client_threads = 2;
  uint32_t watchers = 1000;
  double seconds = 5;
  double warmup_s = 1;
  int repetitions = 2;

  int heartbeat_ms = 100;
  int election_ms = 1000;
  uint64_t snapshot_count = 10000;
};

// Parses argv; prints help or an error and exits on a bad command line.
Options parse_options(int argc, char** argv);

}  // namespace bench::v3
