// v3_bench: etcd2 next to the real etcd 3.4 on the etcd v3 gRPC API (issue 14). For each
// workload (Put to distinct keys, linearizable and serializable Range of one key, a CAS
// Txn, watch fan-out) it starts a fresh 3-member cluster of both servers on loopback
// (identical heartbeat/election/snapshot settings, fsync on, data on the real disk, free
// ports), drives them with a fixed number of requests in flight over several gRPC
// channels, and prints one markdown table with both servers side by side and the ratio
// etcd2/etcd. Every child is killed on exit, error or Ctrl-C.
//
//   v3_bench            default, under 5 minutes on 2 cores (make bench)
//   v3_bench --quick    smoke run (about a minute)
//   v3_bench --help     every option
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <absl/synchronization/mutex.h>
#include <fmt/format.h>

#include "bench/common/preamble.h"
#include "bench/common/server_process.h"
#include "bench/common/system_info.h"
#include "bench/v3/v3_options.h"
#include "bench/v3/v3_report.h"
#include "bench/v3/v3_runner.h"

namespace {

using bench::ServerKind;
using bench::v3::Options;

bench::Preamble preamble_of(const Options& o) {
  return {.tool = "v3_bench",
          .etcd2_path = o.etcd2_path,
          .etcd_path = o.etcd_path,
          .data_dir = o.data_dir,
          .allow_tmpfs = o.allow_tmpfs};
}

void print_header(const Options& o) {
  std::cout << bench::header_lines(preamble_of(o))
            << fmt::format(
                   "- flags (both): --heartbeat-interval {} --election-timeout {} "
                   "--snapshot-count {}; a fresh {}-member cluster of each per workload\n",
                   o.heartbeat_ms, o.election_ms, o.snapshot_count, o.members)
            << fmt::format(
                   "- runs: {} s measured after {} s warm-up, {} repetitions per workload and "
                   "server (interleaved), {} requests in flight over {} gRPC channels, {} "
                   "client thread(s), {} watchers\n",
                   o.seconds, o.warmup_s, o.repetitions, o.inflight, o.channels, o.client_threads,
                   o.watchers)
            << fmt::format("- load average at start: {:.2f}\n\n", bench::load_average());
  std::cout.flush();
}

int run(const Options& o) {
  if (!bench::data_dir_usable(preamble_of(o))) return 2;
  print_header(o);
  std::string error;
  std::vector<bench::v3::Cell> cells;
  const bool ok = bench::v3::run_cells(o, cells, &error);
  bench::v3::print_table(std::cout, cells);
  if (!ok) return std::cerr << "v3_bench: " << error << "\n", 1;
  std::cout << fmt::format("\nload average at end: {:.2f}\n", bench::load_average());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bench::install_child_cleanup();
  bench::raise_fd_limit();
  // As in etcd2 (GrpcServer::start): Debian's Abseil checks every lock for deadlock cycles.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  unsetenv("JOURNAL_STREAM");  // etcd2 drops its log timestamps under journald
  Options options = bench::v3::parse_options(argc, argv);
  if (!bench::keep_present_servers(preamble_of(options), options.servers)) return 2;
  const int rc = run(options);
  if (!options.keep_data) {
    std::error_code ignored;
    std::filesystem::remove_all(options.data_dir, ignored);
  }
  return rc;
}
