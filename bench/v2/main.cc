// v2_bench: etcd2 next to the real etcd 3.4 on the etcd v2 API (issue 8). It starts both
// servers itself (1 and 3 members on loopback, identical heartbeat/election/snapshot
// settings, fsync on, data on the real disk, free ports), runs closed-loop workloads
// (PUT to distinct and hot keys, local and quorum GET, CAS, 1000-watcher fan-out) at each
// connection count, and prints one markdown table with both servers side by side and the
// ratio etcd2/etcd; optionally also RSS, data-dir size, restart and snapshot times for
// large keyspaces. Every child is killed on exit, error or Ctrl-C.
//
//   v2_bench            few-minute default (make bench)
//   v2_bench --full     the whole matrix and the 100k-key phase (add --keys-1m for 1M)
//   v2_bench --help     every option
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "bench/common/preamble.h"
#include "bench/common/server_process.h"
#include "bench/common/system_info.h"
#include "bench/v2/bench_options.h"
#include "bench/v2/keyspace_runner.h"
#include "bench/v2/matrix_runner.h"
#include "bench/v2/report.h"

namespace {

using bench::BenchOptions;
using bench::ServerKind;

bench::Preamble preamble_of(const BenchOptions& o) {
  return {.tool = "v2_bench",
          .etcd2_path = o.etcd2_path,
          .etcd_path = o.etcd_path,
          .data_dir = o.data_dir,
          .allow_tmpfs = o.allow_tmpfs};
}

void print_header(const BenchOptions& o) {
  std::cout << bench::header_lines(preamble_of(o))
            << fmt::format(
                   "- flags (both): --heartbeat-interval {} --election-timeout {} "
                   "--snapshot-count {}\n",
                   o.heartbeat_ms, o.election_ms, o.snapshot_count)
            << fmt::format(
                   "- runs: {} s measured after {} s warm-up, {} repetitions per cell and "
                   "server (interleaved), {} client thread(s), {} watchers\n",
                   o.seconds, o.warmup_s, o.repetitions, o.client_threads, o.watchers)
            << fmt::format("- load average at start: {:.2f}\n\n", bench::load_average());
  std::cout.flush();
}

int run(BenchOptions& o) {
  if (!bench::data_dir_usable(preamble_of(o))) return 2;
  print_header(o);
  std::string error;
  if (o.matrix && !o.workloads.empty()) {
    std::vector<bench::CellResult> cells;
    const bool ok = bench::MatrixRunner(o).run(cells, &error);
    bench::print_matrix(std::cout, cells, o.servers);
    if (!ok) return std::cerr << "v2_bench: " << error << "\n", 1;
  }
  if (!o.keyspace_keys.empty()) {
    std::vector<bench::KeyspaceResult> results;
    const bool ok = bench::KeyspaceRunner(o).run(results, &error);
    std::cout << "\n";
    bench::print_keyspace(std::cout, results, o.servers);
    if (!ok) return std::cerr << "v2_bench: " << error << "\n", 1;
  }
  std::cout << fmt::format("\nload average at end: {:.2f}\n", bench::load_average());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bench::install_child_cleanup();
  bench::raise_fd_limit();
  unsetenv("JOURNAL_STREAM");  // etcd2 drops its log timestamps under journald
  BenchOptions options = bench::parse_options(argc, argv);
  if (!bench::keep_present_servers(preamble_of(options), options.servers)) return 2;
  const int rc = run(options);
  if (!options.keep_data) {
    std::error_code ignored;
    std::filesystem::remove_all(options.data_dir, ignored);
  }
  return rc;
}
