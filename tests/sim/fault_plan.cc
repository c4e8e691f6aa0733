#include "tests/sim/fault_plan.h"

#include <fmt/format.h>

#include "etcd/common/random.h"

namespace etcd::sim {
namespace {

// Swarm testing: a family is on with probability 1/2, then gets a random intensity.
uint32_t maybe(Rng& rng, uint32_t lo, uint32_t hi) {
  if (!rng.chance(1, 2)) return 0;
  return static_cast<uint32_t>(lo + rng.below(hi - lo + 1));
}

void draw_raft_settings(Rng& rng, FaultPlan& p) {
  p.election_ticks = static_cast<int>(5 + rng.below(11));  // 5..15
  p.heartbeat_ticks = static_cast<int>(1 + rng.below(p.election_ticks / 4));
  static constexpr uint64_t kMsgSizes[] = {1, 16, 64, 1024 * 1024};
  p.max_size_per_msg_bytes = kMsgSizes[rng.below(4)];  // 1 = one entry per append
  static constexpr uint64_t kReadySizes[] = {1, 64, 64 * 1024 * 1024};
  p.max_committed_size_per_ready_bytes = kReadySizes[rng.below(3)];
  p.max_uncommitted_entries_bytes = rng.chance(1, 4) ? 64 + rng.below(512) : 0;
  static constexpr int kInflight[] = {1, 2, 8, 256};
  p.max_inflight_msgs = kInflight[rng.below(4)];
  p.pre_vote = rng.chance(3, 4);
  p.check_quorum = rng.chance(1, 2);
}

void draw_network(Rng& rng, FaultPlan& p) {
  p.drop_per_mille = maybe(rng, 1, 300);
  p.duplicate_per_mille = maybe(rng, 1, 100);
  p.latency_ticks_max = 1 + maybe(rng, 1, 4);
  p.reorder_per_mille = maybe(rng, 1, 100);
  p.partition_per_mille = maybe(rng, 2, 30);
  p.partition_ticks_max = static_cast<uint32_t>(p.election_ticks) * (2 + rng.below(10));
}

void draw_nodes(Rng& rng, FaultPlan& p) {
  p.crash_per_mille = maybe(rng, 1, 10);
  p.crash_in_ready_per_mille = maybe(rng, 1, 5);
  p.down_ticks_max = static_cast<uint32_t>(p.election_ticks) * (1 + rng.below(8));
  p.pause_per_mille = maybe(rng, 1, 10);
  p.pause_ticks_max = static_cast<uint32_t>(p.election_ticks) * (1 + rng.below(4));
  p.lose_unsynced_commit = rng.chance(1, 2);
  p.ready_eager_per_mille = rng.chance(1, 2) ? 1000 : static_cast<uint32_t>(rng.below(1000));
}

void draw_application(Rng& rng, FaultPlan& p) {
  if (rng.chance(3, 4)) {
    p.snapshot_interval_entries = static_cast<uint32_t>(5 + rng.below(60));
    p.compact_keep_entries = static_cast<uint32_t>(rng.below(10));
  }
  p.write_per_mille = static_cast<uint32_t>(50 + rng.below(800));
  p.read_per_mille = static_cast<uint32_t>(10 + rng.below(291));
  p.conf_change_per_mille = maybe(rng, 5, 50);
  p.transfer_per_mille = maybe(rng, 1, 20);
}

}  // namespace

FaultPlan draw_fault_plan(uint64_t seed) {
  Rng rng(seed ^ 0x5eed5eed5eed5eedULL);
  FaultPlan plan;
  draw_raft_settings(rng, plan);
  draw_network(rng, plan);
  draw_nodes(rng, plan);
  draw_application(rng, plan);
  return plan;
}

std::string FaultPlan::describe() const {
  return fmt::format(
      "election={} heartbeat={} msg_bytes={} ready_bytes={} uncommitted_bytes={} inflight={} "
      "pre_vote={} check_quorum={} drop={}‰ dup={}‰ latency<={} reorder={}‰ "
      "partition={}‰/{}t crash={}‰ crash_in_ready={}‰ down<={}t pause={}‰/{}t "
      "lose_unsynced_commit={} eager_ready={}‰ snapshot_every={} keep={} write={}‰ read={}‰ "
      "conf_change={}‰ transfer={}‰",
      election_ticks, heartbeat_ticks, max_size_per_msg_bytes, max_committed_size_per_ready_bytes,
      max_uncommitted_entries_bytes, max_inflight_msgs, pre_vote, check_quorum, drop_per_mille,
      duplicate_per_mille, latency_ticks_max, reorder_per_mille, partition_per_mille,
      partition_ticks_max, crash_per_mille, crash_in_ready_per_mille, down_ticks_max,
      pause_per_mille, pause_ticks_max, lose_unsynced_commit, ready_eager_per_mille,
      snapshot_interval_entries, compact_keep_entries, write_per_mille, read_per_mille,
      conf_change_per_mille, transfer_per_mille);
}

}  // namespace etcd::sim
