// Ready: everything a RawNode asks its owner to do, as one plain struct.
//
// The owner handles a Ready in this order (etcd raft README; Raft thesis §10.2.1):
//   1. persist hard_state, entries_to_persist and snapshot (one fsync if must_sync);
//   2. send messages (the leader may send before its own fsync completes);
//   3. apply snapshot, then committed_entries, to the state machine;
//   4. call RawNode::advance(ready).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "etcd/raft/types.h"

namespace etcd::raft {

enum class Role { follower, pre_candidate, candidate, leader };

const char* to_string(Role role);

// Volatile state worth telling the application about; not persisted.
struct SoftState {
  NodeId leader;
  Role role = Role::follower;

  bool operator==(const SoftState&) const = default;
};

// Answer to read_index(ctx): reads may be served once the application has applied
// everything up to `index`.
struct ReadState {
  Index index;
  std::string request_ctx;

  bool operator==(const ReadState&) const = default;
};

struct Ready {
  std::optional<SoftState> soft_state;  // set when changed
  std::optional<HardState> hard_state;  // set when changed
  std::vector<ReadState> read_states;
  std::vector<Entry> entries_to_persist;
  std::optional<Snapshot> snapshot;  // to persist and apply, when set
  std::vector<Entry> committed_entries;
  std::vector<Message> messages;
  // False when only the commit index moved: that can be written without an fsync.
  bool must_sync = false;

  bool empty() const {
    return !soft_state && !hard_state && read_states.empty() && entries_to_persist.empty() &&
           !snapshot && committed_entries.empty() && messages.empty();
  }
};

}  // namespace etcd::raft
