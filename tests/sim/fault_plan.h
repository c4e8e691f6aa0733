// FaultPlan: everything a seed decides about a run before it starts — the raft settings,
// the network's loss/duplication/delay, how often nodes crash or pause, how partitions look,
// and the client load. Swarm testing (as in TigerBeetle's VOPR): each fault family is
// switched on or off per seed and then given a random intensity, so some seeds hammer one
// mechanism while others mix them all. Pure data; drawn once, never changed during the
// fault phase.
#pragma once

#include <cstdint>
#include <string>

namespace etcd::sim {

struct FaultPlan {
  // Raft settings for every node of the run.
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  uint64_t max_size_per_msg_bytes = 1024 * 1024;
  uint64_t max_committed_size_per_ready_bytes = 64 * 1024 * 1024;
  uint64_t max_uncommitted_entries_bytes = 0;
  int max_inflight_msgs = 256;
  bool pre_vote = true;
  bool check_quorum = true;

  // Network: per-message chances are per mille (0..1000).
  uint32_t drop_per_mille = 0;       // up to 300
  uint32_t duplicate_per_mille = 0;  // up to 100
  uint32_t latency_ticks_max = 1;    // each message takes 1..latency_ticks_max ticks
  uint32_t reorder_per_mille = 0;    // extra delay of up to 3 election timeouts
  // Partitions: chance per tick to start one while the network is whole, and how long.
  uint32_t partition_per_mille = 0;
  uint32_t partition_ticks_max = 0;
  // Node faults: chances per tick (crash, pause) and per Ready (crash inside the handler).
  uint32_t crash_per_mille = 0;
  uint32_t crash_in_ready_per_mille = 0;
  uint32_t down_ticks_max = 0;
  uint32_t pause_per_mille = 0;
  uint32_t pause_ticks_max = 0;
  // A crash forgets a commit index that was written without an fsync (must_sync false).
  bool lose_unsynced_commit = false;
  // Chance that a node handles its Ready right after each delivered message rather than
  // once per tick (changes how much each Ready batches).
  uint32_t ready_eager_per_mille = 1000;

  // Application: take a snapshot every this many applied entries (0 = never) and keep this
  // many entries before it in the log when compacting.
  uint32_t snapshot_interval_entries = 0;
  uint32_t compact_keep_entries = 0;

  // Client load: chances per tick.
  uint32_t write_per_mille = 300;
  uint32_t read_per_mille = 100;
  uint32_t conf_change_per_mille = 0;
  uint32_t transfer_per_mille = 0;

  // One line for the runner's verbose output and the trace header.
  std::string describe() const;
};

// Draws the plan of one run from its seed. The same seed always yields the same plan.
FaultPlan draw_fault_plan(uint64_t seed);

}  // namespace etcd::sim
