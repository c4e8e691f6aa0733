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

#include "bench/common/server_process.h"
#include "bench/common/system_info.h"
#include "bench/v2/bench_options.h"
#include "bench/v2/keyspace_runner.h"
#include "bench/v2/matrix_runner.h"
#include "bench/v2/report.h"

namespace {

using bench::BenchOptions;
using bench::ServerKind;

std::string first_line_of(const std::string& command) {
  std::string line;
  if (FILE* p = popen((command + " 2>&1").c_str(), "r")) {
    char buffer[256];
    if (fgets(buffer, sizeof buffer, p)) line = buffer;
    pclose(p);
  }
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

// Drops servers whose binary is missing; false when nothing is left to run.
bool check_binaries(BenchOptions& o) {
  std::erase_if(o.servers, [&o](ServerKind k) {
    const auto& path = k == ServerKind::etcd2 ? o.etcd2_path : o.etcd_path;
    if (std::filesystem::exists(path)) return false;
    std::cerr << fmt::format("v2_bench: {} not found at {}; skipping it\n", bench::server_name(k),
                             path);
    return true;
  });
  return !o.servers.empty();
}

void print_header(const BenchOptions& o) {
  std::cout << "# v2_bench\n\n"
            << "- machine: " << bench::machine_summary() << "\n"
            << fmt::format("- data dir: {} on {} ({}), fsync on\n", o.data_dir,
                           bench::filesystem_type(o.data_dir), bench::mount_source(o.data_dir))
            << "- etcd2: " << o.etcd2_path << " (" << first_line_of(o.etcd2_path + " --version")
            << ")\n"
            << "- etcd: " << o.etcd_path << " (" << first_line_of(o.etcd_path + " --version")
            << ")\n"
            << fmt::format("- flags (both): --heartbeat-interval {} --election-timeout {} "
                           "--snapshot-count {}\n",
                           o.heartbeat_ms, o.election_ms, o.snapshot_count)
            << fmt::format("- runs: {} s measured after {} s warm-up, {} repetitions per cell and "
                           "server (interleaved), {} client thread(s), {} watchers\n",
                           o.seconds, o.warmup_s, o.repetitions, o.client_threads, o.watchers)
            << fmt::format("- load average at start: {:.2f}\n\n", bench::load_average());
  std::cout.flush();
}

int run(BenchOptions& o) {
  std::filesystem::create_directories(o.data_dir);
  if (bench::filesystem_type(o.data_dir) == "tmpfs" && !o.allow_tmpfs) {
    std::cerr << "v2_bench: " << o.data_dir << " is on tmpfs; fsync would be free there. Use "
              << "--data-dir on a real disk (or --allow-tmpfs).\n";
    return 2;
  }
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
  if (!check_binaries(options)) return 2;
  const int rc = run(options);
  if (!options.keep_data) {
    std::error_code ignored;
    std::filesystem::remove_all(options.data_dir, ignored);
  }
  return rc;
}
