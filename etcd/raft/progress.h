// Progress: the leader's view of one follower (etcd raft design.md), and Inflights, the
// bounded window of append messages sent but not yet acknowledged. Internal to raft/.
//
//   probe      — leader does not know the follower's match; sends one append per
//                heartbeat interval and waits for the answer (next may move back).
//   replicate  — steady state; appends are pipelined up to the inflight window, next is
//                advanced optimistically on send.
//   snapshot   — a snapshot is on its way; nothing else is sent until it is reported.
#pragma once

#include <cstddef>
#include <vector>

#include "etcd/common/ids.h"

namespace etcd::raft {

enum class ProgressState { probe, replicate, snapshot };

const char* to_string(ProgressState state);

// Ring buffer of the last indexes of in-flight append messages.
class Inflights {
 public:
  explicit Inflights(size_t capacity) : buffer_(capacity) {}

  void add(Index last);
  // Frees every in-flight message whose last index is <= to.
  void free_le(Index to);
  void free_first_one();
  bool full() const { return count_ == buffer_.size(); }
  size_t count() const { return count_; }
  void reset() { start_ = count_ = 0; }

 private:
  std::vector<Index> buffer_;
  size_t start_ = 0;
  size_t count_ = 0;
};

struct Progress {
  explicit Progress(size_t max_inflight) : inflights(max_inflight) {}

  Index match;  // highest index known replicated on the follower
  Index next;   // next index to send
  ProgressState state = ProgressState::probe;
  Index pending_snapshot;  // snapshot index while in snapshot state
  bool recent_active = false;  // heard from within the last election timeout (CheckQuorum)
  bool probe_sent = false;     // probe state: an append is outstanding, pause until answered
  bool is_learner = false;
  Inflights inflights;

  void become_probe();
  void become_replicate();
  void become_snapshot(Index snapshot_index);
  // The follower acknowledged n; returns false if that told us nothing new.
  bool maybe_update(Index n);
  void optimistic_update(Index n) { next = n + 1; }
  // An append at `rejected` was refused; `hint` is where to resume. False if stale.
  bool maybe_decrease_to(Index rejected, Index hint);
  bool is_paused() const;
};

}  // namespace etcd::raft
