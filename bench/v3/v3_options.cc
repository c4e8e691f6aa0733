#include "bench/v3/v3_options.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#ifndef CORESTACK_ETCD2_PATH
#define CORESTACK_ETCD2_PATH ""
#endif

namespace bench::v3 {
namespace {

std::string self_dir() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : self.parent_path().string();
}

// The etcd2 beside this build: compiled in, else ../etcd/cmd/etcd2 from our own path.
std::string default_etcd2() {
  if (std::filesystem::exists(CORESTACK_ETCD2_PATH)) return CORESTACK_ETCD2_PATH;
  return self_dir() + "/../etcd/cmd/etcd2";
}

[[noreturn]] void bad(const std::string& what) {
  std::cerr << "v3_bench: " << what << "\n";
  std::exit(2);
}

// --quick changes the defaults, not what was given explicitly.
void apply_quick(Options& o, const CLI::App& app) {
  if (app.count("--seconds") == 0) o.seconds = 1;
  if (app.count("--warmup") == 0) o.warmup_s = 0.5;
  if (app.count("--reps") == 0) o.repetitions = 1;
  if (app.count("--watchers") == 0) o.watchers = 100;
}

}  // namespace

Options parse_options(int argc, char** argv) {
  Options o;
  o.etcd2_path = default_etcd2();
  o.data_dir = self_dir() + "/v3-bench-data";
  bool quick = false, no_etcd = false;
  std::vector<std::string> workloads, servers;
  CLI::App app{"v3_bench: etcd2 next to the real etcd on the v3 gRPC API (issue 14)"};
  app.add_flag("--quick", quick,
               "smoke run: 1 s cells after 0.5 s warm-up, 1 repetition, "
               "100 watchers");
  app.add_option("--etcd2", o.etcd2_path, "etcd2 binary")->capture_default_str();
  app.add_option("--etcd", o.etcd_path, "real etcd binary (3.4)")->capture_default_str();
  app.add_flag("--no-etcd", no_etcd, "run etcd2 only");
  app.add_option("--servers", servers, "etcd2 and/or etcd");
  app.add_option("--workloads", workloads, "put range range-serializable txn watch");
  app.add_option("--members", o.members, "cluster size")->capture_default_str();
  app.add_option("--inflight", o.inflight, "requests in flight (closed loop)")
      ->capture_default_str();
  app.add_option("--channels", o.channels, "gRPC channels (TCP connections), over the members")
      ->capture_default_str();
  app.add_option("--client-threads", o.client_threads, "completion queue threads")
      ->capture_default_str();
  app.add_option("--watchers", o.watchers, "watch streams of the watch workload")
      ->capture_default_str();
  app.add_option("--seconds", o.seconds, "measured seconds per cell and run")
      ->capture_default_str();
  app.add_option("--warmup", o.warmup_s, "unmeasured seconds before each run")
      ->capture_default_str();
  app.add_option("--reps", o.repetitions, "runs per cell and server, interleaved")
      ->capture_default_str();
  app.add_option("--data-dir", o.data_dir, "where members keep their data (real disk)")
      ->capture_default_str();
  app.add_flag("--keep-data", o.keep_data, "leave data dirs and logs behind");
  app.add_flag("--allow-tmpfs", o.allow_tmpfs, "accept a data dir on tmpfs (numbers then lie)");
  app.add_option("--heartbeat-interval", o.heartbeat_ms, "ms, both servers")->capture_default_str();
  app.add_option("--election-timeout", o.election_ms, "ms, both servers")->capture_default_str();
  app.add_option("--snapshot-count", o.snapshot_count, "both servers")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e));
  }
  if (quick) apply_quick(o, app);
  if (!workloads.empty()) {
    o.workloads.clear();
    for (const auto& name : workloads) {
      auto w = parse_workload(name);
      if (!w || *w == Workload::fill) bad("unknown workload " + name);
      o.workloads.push_back(*w);
    }
  }
  if (!servers.empty()) {
    o.servers.clear();
    for (const auto& s : servers) {
      if (s != "etcd2" && s != "etcd") bad("unknown server " + s + " (etcd2, etcd)");
      o.servers.push_back(s == "etcd2" ? ServerKind::etcd2 : ServerKind::etcd);
    }
  }
  if (no_etcd) std::erase(o.servers, ServerKind::etcd);
  if (o.members < 1 || o.inflight < 1 || o.repetitions < 1 || o.watchers < 1) {
    bad("--members, --inflight, --reps and --watchers must be at least 1");
  }
  return o;
}

}  // namespace bench::v3
