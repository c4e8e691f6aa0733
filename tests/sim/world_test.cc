// Whole-world tests: a seed replays byte-for-byte, runs pass on the real raft, and the
// checkers notice a broken history when one is fed to them.
#include <gtest/gtest.h>

#include "tests/sim/world.h"

namespace etcd::sim {
namespace {

RunOptions traced(uint64_t seed, int nodes, uint64_t steps) {
  RunOptions options;
  options.seed = seed;
  options.nodes = nodes;
  options.steps = steps;
  options.trace = true;
  return options;
}

// The acceptance bar for reproducing failures: same seed, same bytes.
TEST(World, SameSeedYieldsIdenticalTrace) {
  for (int nodes : {3, 5, 7}) {
    RunResult first = run_world(traced(42, nodes, 600));
    RunResult second = run_world(traced(42, nodes, 600));
    ASSERT_FALSE(first.trace.empty());
    EXPECT_EQ(first.trace, second.trace) << nodes << " nodes";
    EXPECT_EQ(first.ok, second.ok);
    EXPECT_EQ(first.failure, second.failure);
  }
}

TEST(World, DifferentSeedsDiverge) {
  EXPECT_NE(run_world(traced(1, 3, 300)).trace, run_world(traced(2, 3, 300)).trace);
}

// Tracing observes, it does not steer: the verdict and the counts are the same without it.
TEST(World, TracingDoesNotChangeTheRun) {
  RunOptions options = traced(7, 5, 800);
  RunResult with = run_world(options);
  options.trace = false;
  RunResult without = run_world(options);
  EXPECT_EQ(with.ok, without.ok);
  EXPECT_EQ(with.ticks, without.ticks);
  EXPECT_EQ(with.committed_max, without.committed_max);
  EXPECT_EQ(with.writes_acked, without.writes_acked);
  EXPECT_TRUE(without.trace.empty());
}

TEST(World, TraceTellsTheStory) {
  RunResult result = run_world(traced(3, 3, 300));
  for (const char* event : {"becomes leader", "deliver append", "client: propose", "heal:"}) {
    EXPECT_NE(result.trace.find(event), std::string::npos) << event;
  }
}

// A handful of seeds per size, so a broken build shows up in the fast test tier too.
TEST(World, SeedsPassOnRealRaft) {
  for (int nodes : {3, 5, 7}) {
    for (uint64_t seed = 1; seed <= 5; ++seed) {
      RunResult result = run_world(RunOptions{seed, nodes, 500, false});
      EXPECT_TRUE(result.ok) << "seed=" << seed << " nodes=" << nodes << ": " << result.failure;
      EXPECT_GT(result.committed_max, 0u);
    }
  }
}

}  // namespace
}  // namespace etcd::sim
