// ProgressTracker: the configuration (voters, learners), each member's Progress, and the
// quorum arithmetic — commit index by majority of match indexes, vote tallies, and
// whether a quorum was recently active. Single-member changes only (Raft thesis §4.1), so
// one majority configuration at a time. Internal to raft/.
#pragma once

#include <map>
#include <set>

#include "etcd/raft/progress.h"
#include "etcd/raft/types.h"

namespace etcd::raft {

enum class VoteResult { pending, won, lost };

class ProgressTracker {
 public:
  explicit ProgressTracker(size_t max_inflight) : max_inflight_(max_inflight) {}

  // Installs a configuration; new members get Progress{match=0, next=next_index}.
  void apply_conf_state(const ConfState& cs, Index next_index);
  void add_voter(NodeId id, Index next_index);
  void add_learner(NodeId id, Index next_index);
  void remove(NodeId id);

  bool is_voter(NodeId id) const { return voters_.count(id) != 0; }
  bool is_learner(NodeId id) const { return learners_.count(id) != 0; }
  bool is_member(NodeId id) const { return is_voter(id) || is_learner(id); }
  size_t quorum() const { return voters_.size() / 2 + 1; }
  ConfState conf_state() const;

  // Largest index replicated on a majority of voters (Raft §5.3); 0 with no voters.
  Index committed() const;
  void reset_votes() { votes_.clear(); }
  // New term: every progress starts over (match 0, next = last + 1, inactive); self's
  // match is `last` since its log is its own.
  void reset_progress(NodeId self, Index last);
  void record_vote(NodeId id, bool granted);
  VoteResult tally_votes(size_t* granted = nullptr, size_t* rejected = nullptr) const;
  // True if a majority of voters was recently active (self counts as active).
  bool quorum_active(NodeId self) const;
  // True if the acks (by voter) form a majority.
  bool has_quorum(const std::set<NodeId>& acks) const;

  Progress* find(NodeId id);
  const Progress* find(NodeId id) const;
  std::map<NodeId, Progress>& all() { return progress_; }
  const std::map<NodeId, Progress>& all() const { return progress_; }
  const std::set<NodeId>& voters() const { return voters_; }

 private:
  void init_progress(NodeId id, Index next_index, bool learner);

  size_t max_inflight_;
  std::set<NodeId> voters_;
  std::set<NodeId> learners_;
  std::map<NodeId, Progress> progress_;
  std::map<NodeId, bool> votes_;
};

}  // namespace etcd::raft
