// raft::Config: everything a RawNode needs, passed in by its owner. Counts are in ticks;
// the server converts milliseconds to ticks in exactly one place.
#pragma once

#include <cstdint>
#include <string_view>

#include "etcd/common/ids.h"
#include "etcd/common/random.h"
#include "etcd/common/result.h"
#include "etcd/raft/logger.h"
#include "etcd/raft/storage.h"

namespace etcd::raft {

enum class ReadOnlyOption {
  safe,        // ReadIndex confirms leadership with a heartbeat round (thesis §6.4)
  lease_based  // trusts the leader lease; unsafe with unbounded clock drift
};

struct Config {
  NodeId id;
  // Followers wait a random number of ticks in [election_ticks, 2*election_ticks) without
  // hearing from a leader before campaigning. Must exceed heartbeat_ticks.
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  // Stable state to resume from; must outlive the node.
  Storage* storage = nullptr;
  // Last index the application has applied (on restart); committed entries <= applied are
  // not handed out again. Raft's membership comes from the snapshot's ConfState plus the
  // conf changes the application re-applies, so pass an index no later than the newest
  // snapshot's when conf changes may follow it, and call apply_conf_change for every
  // conf change entry handed out even if the state machine already holds it (etcd server
  // does the same).
  Index applied;
  // Upper bound on the bytes of entries in one append message (at least one entry is sent).
  uint64_t max_size_per_msg_bytes = 1024 * 1024;
  // Upper bound on the bytes of committed entries in one Ready.
  uint64_t max_committed_size_per_ready_bytes = 64 * 1024 * 1024;
  // Leader refuses new proposals while this many bytes are appended but uncommitted (0 = no
  // limit). Protects memory when followers are slow.
  uint64_t max_uncommitted_entries_bytes = 0;
  // Append messages in flight per follower in replicate state.
  int max_inflight_msgs = 256;
  // Leader steps down if it has not heard from a quorum within an election timeout.
  bool check_quorum = true;
  // Candidates first run a pre-election that does not bump terms (thesis §9.6).
  bool pre_vote = true;
  ReadOnlyOption read_only_option = ReadOnlyOption::safe;
  // Followers drop proposals instead of forwarding them to the leader.
  bool disable_proposal_forwarding = false;
  Rng* rng = nullptr;        // election jitter; must outlive the node
  Logger* logger = nullptr;  // null = silent

  Result<void> validate() const;
};

}  // namespace etcd::raft
