#include "etcd/raft/progress.h"

#include <algorithm>

#include "etcd/common/assert.h"

namespace etcd::raft {

const char* to_string(ProgressState state) {
  switch (state) {
    case ProgressState::probe: return "probe";
    case ProgressState::replicate: return "replicate";
    case ProgressState::snapshot: return "snapshot";
  }
  return "unknown";
}

void Inflights::add(Index last) {
  ETCD_ASSERT(!full(), "cannot add into a full inflights window");
  buffer_[(start_ + count_) % buffer_.size()] = last;
  ++count_;
}

void Inflights::free_le(Index to) {
  if (count_ == 0 || to < buffer_[start_]) return;
  size_t freed = 0;
  size_t idx = start_;
  while (freed < count_ && buffer_[idx] <= to) {
    ++freed;
    idx = (idx + 1) % buffer_.size();
  }
  count_ -= freed;
  start_ = count_ == 0 ? 0 : idx;
}

void Inflights::free_first_one() {
  if (count_ == 0) return;
  free_le(buffer_[start_]);
}

void Progress::become_probe() {
  // Leaving snapshot state: resume right after the snapshot if it got through.
  if (state == ProgressState::snapshot) {
    const Index snap = pending_snapshot;
    state = ProgressState::probe;
    next = std::max(match + 1, snap + 1);
  } else {
    state = ProgressState::probe;
    next = match + 1;
  }
  probe_sent = false;
  pending_snapshot = Index{0};
  inflights.reset();
}

void Progress::become_replicate() {
  state = ProgressState::replicate;
  next = match + 1;
  probe_sent = false;
  pending_snapshot = Index{0};
  inflights.reset();
}

void Progress::become_snapshot(Index snapshot_index) {
  state = ProgressState::snapshot;
  probe_sent = false;
  pending_snapshot = snapshot_index;
  inflights.reset();
}

bool Progress::maybe_update(Index n) {
  bool updated = false;
  if (match < n) {
    match = n;
    updated = true;
    probe_sent = false;  // an answer arrived: probing may continue
  }
  next = std::max(next, n + 1);
  return updated;
}

bool Progress::maybe_decrease_to(Index rejected, Index hint) {
  if (state == ProgressState::replicate) {
    // Stale if the rejected index is already matched.
    if (rejected <= match) return false;
    next = match + 1;
    return true;
  }
  // Probe: the rejection must be about the append we sent (next - 1).
  if (next - 1 != rejected) return false;
  next = std::max(std::min(rejected, hint + 1), Index{1});
  probe_sent = false;
  return true;
}

bool Progress::is_paused() const {
  switch (state) {
    case ProgressState::probe: return probe_sent;
    case ProgressState::replicate: return inflights.full();
    case ProgressState::snapshot: return true;
  }
  return true;
}

}  // namespace etcd::raft
