// raft_sim: runs seeded cluster simulations and reports the seeds that violate a property.
//
//   raft_sim --seeds N [--start S] [--nodes K] [--steps M] [--trace]
//   raft_sim --seed-file tests/sim/seeds.txt        # "<seed> [nodes]" per line, # comments
//
// Prints one line per failing seed ("seed=123 nodes=5 FAIL: two leaders in term 7 (n2, n4)
// at tick 812") and ends with "N passed, M failed"; exits non-zero if any seed failed.
// --trace (with one seed) prints the whole message trace first; the same seed always prints
// the same bytes. Each seed runs in a forked child so that a raft assertion (abort) is
// reported as that seed's failure and the sweep goes on (--no-fork to debug in-process).
// --expect-failure inverts the exit status: 0 only if some seed failed (broken-raft tests);
// --stop-on-fail ends the sweep at the first failure.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/sim/world.h"

namespace {

struct Args {
  uint64_t seeds = 1;
  uint64_t start = 1;
  uint64_t nodes = 3;
  uint64_t steps = 1000;
  bool trace = false;
  bool no_fork = false;
  bool expect_failure = false;
  bool stop_on_fail = false;
  bool verbose = false;
  std::string seed_file;
};

[[noreturn]] void usage(const char* problem) {
  std::fprintf(stderr,
               "raft_sim: %s\nusage: raft_sim --seeds N [--start S] [--nodes 3|5|7] "
               "[--steps M] [--trace] [--seed-file F] [--no-fork] [--expect-failure] "
               "[--stop-on-fail] [--verbose]\n",
               problem);
  std::exit(2);
}

uint64_t number(int argc, char** argv, int& i) {
  if (i + 1 >= argc) usage("missing value");
  char* end = nullptr;
  uint64_t value = std::strtoull(argv[++i], &end, 10);
  if (end == argv[i] || *end != '\0') usage("not a number");
  return value;
}

Args parse(int argc, char** argv) {
  static const std::pair<const char*, uint64_t Args::*> kNumbers[] = {{"--seeds", &Args::seeds},
                                                                      {"--start", &Args::start},
                                                                      {"--nodes", &Args::nodes},
                                                                      {"--steps", &Args::steps}};
  static const std::pair<const char*, bool Args::*> kSwitches[] = {
      {"--trace", &Args::trace},
      {"--no-fork", &Args::no_fork},
      {"--expect-failure", &Args::expect_failure},
      {"--stop-on-fail", &Args::stop_on_fail},
      {"--verbose", &Args::verbose}};
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool known = false;
    for (auto [name, member] : kNumbers) {
      if (a != name) continue;
      args.*member = number(argc, argv, i);
      known = true;
    }
    for (auto [name, member] : kSwitches) {
      if (a != name) continue;
      args.*member = true;
      known = true;
    }
    if (a == "--seed-file" && i + 1 < argc) {
      args.seed_file = argv[++i];
      known = true;
    }
    if (!known) usage(("unknown argument " + a).c_str());
  }
  if (args.nodes < 1 || args.nodes > 9) usage("--nodes must be in 1..9");
  return args;
}

// (seed, nodes) pairs to run, from the range or the seed file.
std::vector<std::pair<uint64_t, int>> runs(const Args& args) {
  std::vector<std::pair<uint64_t, int>> out;
  if (args.seed_file.empty()) {
    for (uint64_t s = 0; s < args.seeds; ++s)
      out.emplace_back(args.start + s, args.nodes);
    return out;
  }
  std::ifstream in(args.seed_file);
  if (!in) usage(("cannot read " + args.seed_file).c_str());
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream fields(line);
    uint64_t seed = 0;
    int nodes = static_cast<int>(args.nodes);
    if (!(fields >> seed)) continue;
    fields >> nodes;
    out.emplace_back(seed, nodes);
  }
  return out;
}

// Runs one seed in this process; prints its failure line; returns true if it passed.
bool run_here(const Args& args, uint64_t seed, int nodes) {
  etcd::sim::RunOptions options{seed, nodes, args.steps, args.trace};
  etcd::sim::RunResult result = etcd::sim::run_world(options);
  if (args.trace) std::fputs(result.trace.c_str(), stdout);
  if (!result.ok) {
    std::printf("seed=%llu nodes=%d FAIL: %s\n", static_cast<unsigned long long>(seed), nodes,
                result.failure.c_str());
  } else if (args.verbose) {
    std::printf(
        "seed=%llu nodes=%d ok: ticks=%llu committed=%llu acked_writes=%llu "
        "served_reads=%llu\n",
        static_cast<unsigned long long>(seed), nodes, static_cast<unsigned long long>(result.ticks),
        static_cast<unsigned long long>(result.committed_max),
        static_cast<unsigned long long>(result.writes_acked),
        static_cast<unsigned long long>(result.reads_served));
  }
  std::fflush(stdout);
  return result.ok;
}

bool run_forked(const Args& args, uint64_t seed, int nodes) {
  std::fflush(stdout);
  pid_t child = fork();
  if (child < 0) {
    std::perror("fork");
    std::exit(2);
  }
  if (child == 0) _exit(run_here(args, seed, nodes) ? 0 : 1);
  int status = 0;
  if (waitpid(child, &status, 0) != child) {
    std::perror("waitpid");
    std::exit(2);
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status) == 0;
  std::printf("seed=%llu nodes=%d FAIL: crashed with signal %d (%s; see stderr)\n",
              static_cast<unsigned long long>(seed), nodes, WTERMSIG(status),
              strsignal(WTERMSIG(status)));
  std::fflush(stdout);
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse(argc, argv);
  uint64_t passed = 0;
  uint64_t failed = 0;
  for (auto [seed, nodes] : runs(args)) {
    bool in_process = args.no_fork || args.trace;
    bool ok = in_process ? run_here(args, seed, nodes) : run_forked(args, seed, nodes);
    ok ? ++passed : ++failed;
    if (!ok && args.stop_on_fail) break;
  }
  std::printf("%llu passed, %llu failed\n", static_cast<unsigned long long>(passed),
              static_cast<unsigned long long>(failed));
  if (args.expect_failure) return failed > 0 ? 0 : 1;
  return failed > 0 ? 1 : 0;
}
