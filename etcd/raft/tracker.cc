#include "etcd/raft/tracker.h"

#include <algorithm>
#include <vector>

namespace etcd::raft {

void ProgressTracker::init_progress(NodeId id, Index next_index, bool learner) {
  auto [it, inserted] = progress_.try_emplace(id, max_inflight_);
  if (inserted) {
    it->second.next = next_index;
    // A new member counts as active so CheckQuorum does not trip before it is heard.
    it->second.recent_active = true;
  }
  it->second.is_learner = learner;
}

void ProgressTracker::apply_conf_state(const ConfState& cs, Index next_index) {
  voters_.clear();
  learners_.clear();
  progress_.clear();
  votes_.clear();
  for (NodeId id : cs.voters) add_voter(id, next_index);
  for (NodeId id : cs.learners) add_learner(id, next_index);
}

void ProgressTracker::add_voter(NodeId id, Index next_index) {
  learners_.erase(id);  // promotion keeps the existing progress
  voters_.insert(id);
  init_progress(id, next_index, false);
}

void ProgressTracker::add_learner(NodeId id, Index next_index) {
  if (voters_.count(id)) return;  // demotion is not supported; stays a voter
  learners_.insert(id);
  init_progress(id, next_index, true);
}

void ProgressTracker::remove(NodeId id) {
  voters_.erase(id);
  learners_.erase(id);
  progress_.erase(id);
  votes_.erase(id);
}

ConfState ProgressTracker::conf_state() const {
  return ConfState{{voters_.begin(), voters_.end()}, {learners_.begin(), learners_.end()}};
}

Index ProgressTracker::committed() const {
  if (voters_.empty()) return Index{0};
  std::vector<Index> matches;
  matches.reserve(voters_.size());
  for (NodeId id : voters_) matches.push_back(progress_.at(id).match);
  // The quorum()-th largest match index is replicated on a majority.
  std::sort(matches.begin(), matches.end(), std::greater<>());
  return matches[quorum() - 1];
}

void ProgressTracker::reset_progress(NodeId self, Index last) {
  for (auto& [id, pr] : progress_) {
    Progress fresh(max_inflight_);
    fresh.next = last + 1;
    fresh.is_learner = pr.is_learner;
    if (id == self) fresh.match = last;
    pr = std::move(fresh);
  }
}

void ProgressTracker::record_vote(NodeId id, bool granted) { votes_.try_emplace(id, granted); }

VoteResult ProgressTracker::tally_votes(size_t* granted_out, size_t* rejected_out) const {
  size_t granted = 0;
  size_t rejected = 0;
  for (NodeId id : voters_) {
    auto it = votes_.find(id);
    if (it == votes_.end()) continue;
    (it->second ? granted : rejected)++;
  }
  if (granted_out) *granted_out = granted;
  if (rejected_out) *rejected_out = rejected;
  if (granted >= quorum()) return VoteResult::won;
  if (voters_.size() - rejected < quorum()) return VoteResult::lost;
  return VoteResult::pending;
}

bool ProgressTracker::quorum_active(NodeId self) const {
  size_t active = 0;
  for (NodeId id : voters_) {
    if (id == self || progress_.at(id).recent_active) ++active;
  }
  return active >= quorum();
}

bool ProgressTracker::has_quorum(const std::set<NodeId>& acks) const {
  size_t n = 0;
  for (NodeId id : voters_) n += acks.count(id);
  return n >= quorum();
}

Progress* ProgressTracker::find(NodeId id) {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

const Progress* ProgressTracker::find(NodeId id) const {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

}  // namespace etcd::raft
