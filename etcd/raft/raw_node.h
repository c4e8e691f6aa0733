// RawNode: the public face of the raft core. A pure, single-threaded state machine:
// inputs are tick(), step(), propose*(), campaign(), read_index(), transfer_leader() and the
// report_*() calls; outputs come only through ready(). No threads, I/O or clocks.
//
// Typical loop (see ready.h for the order of handling a Ready):
//   node.tick() every heartbeat interval; node.step(msg) for each received message;
//   while (node.has_ready()) { auto rd = node.ready(); persist; send; apply; node.advance(rd); }
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "etcd/common/result.h"
#include "etcd/raft/config.h"
#include "etcd/raft/errors.h"
#include "etcd/raft/ready.h"

namespace etcd::raft {

class Raft;


struct FollowerStatus {
  NodeId id;
  Index match;
  Index next;
  const char* state;  // "probe", "replicate", "snapshot"
  bool recent_active;
  bool is_learner;
};

struct Status {
  NodeId id;
  HardState hard_state;
  SoftState soft_state;
  Index applied;
  NodeId lead_transferee;
  std::vector<FollowerStatus> progress;  // leader only
};

class RawNode {
 public:
  // Resumes from config.storage (hard state, snapshot, entries). For a brand-new cluster the
  // storage is empty and bootstrap() must be called before anything else.
  explicit RawNode(const Config& config);
  ~RawNode();
  RawNode(RawNode&&) noexcept;
  RawNode& operator=(RawNode&&) noexcept;

  // New cluster: appends one add_node conf change per peer at term 1 and commits them, so
  // the application learns the initial membership by applying them like any other change.
  // Precondition: empty storage. Fails if peers is empty.
  Result<void> bootstrap(const std::vector<ConfChange>& peers);

  void tick();
  // Starts an election now (PreVote first when enabled).
  void campaign();
  // Appends data to the log via the leader. Fails with kErrProposalDropped when no leader
  // is known, a transfer is in progress, or the uncommitted-size limit is hit.
  Result<void> propose(std::string data);
  // One single-member change at a time: kErrConfChangePending while one is unapplied.
  Result<void> propose_conf_change(const ConfChange& change);
  // Leader: a conf change (or the first entry of its term) is not applied yet, so
  // propose_conf_change() would fail with kErrConfChangePending.
  bool has_pending_conf_change() const;
  // The application calls this when a conf change entry is applied; returns the new
  // membership. Removing this node makes it step down if it leads.
  ConfState apply_conf_change(const ConfChange& change);
  Result<void> step(const Message& message);
  // Asks for a linearizable read point; the answer arrives as a ReadState carrying ctx.
  void read_index(std::string ctx);
  void transfer_leader(NodeId transferee);
  void report_unreachable(NodeId id);
  void report_snapshot(NodeId id, bool succeeded);

  bool has_ready() const;
  Ready ready();
  void advance(const Ready& ready);

  Status status() const;
  NodeId id() const;

 private:
  std::unique_ptr<Raft> raft_;
  SoftState prev_soft_state_;
  HardState prev_hard_state_;
};

}  // namespace etcd::raft
