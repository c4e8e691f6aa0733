// Raft: the protocol state machine behind RawNode (Raft thesis; etcd-io/raft design).
// Internal to raft/: callers use RawNode. Each role handles messages in its own step_*
// function; the shared prelude in step() deals with terms (§3.3), votes (§3.4) and
// PreVote/CheckQuorum (§9.6, §6.2). Outgoing messages accumulate in msgs_ until RawNode
// hands them out in a Ready. Single-threaded; no I/O, no clock (time is tick()).
#pragma once

#include <string>
#include <vector>

#include "etcd/common/result.h"
#include "etcd/raft/config.h"
#include "etcd/raft/errors.h"
#include "etcd/raft/raft_log.h"
#include "etcd/raft/read_only.h"
#include "etcd/raft/ready.h"
#include "etcd/raft/tracker.h"

namespace etcd::raft {

// Member IDs in log lines, as etcd prints them (lower-case hex).
std::string hex(NodeId id);

class Raft {
 public:
  explicit Raft(const Config& config);

  Result<void> step(Message m);
  void tick();
  ConfState apply_conf_change(const ConfChange& change);
  // Called by RawNode::advance with what the owner has persisted and applied.
  void advance(const Ready& ready);

  SoftState soft_state() const { return {lead_, role_}; }
  HardState hard_state() const { return {term_, vote_, log_.committed()}; }
  RaftLog& log() { return log_; }
  const RaftLog& log() const { return log_; }
  const ProgressTracker& tracker() const { return tracker_; }
  std::vector<Message>& messages() { return msgs_; }
  const std::vector<Message>& messages() const { return msgs_; }
  std::vector<ReadState>& read_states() { return read_states_; }
  const std::vector<ReadState>& read_states() const { return read_states_; }
  // Leader only: a conf change it proposed (or its term's no-op) is not applied yet.
  bool has_pending_conf_change() const { return pending_conf_index_ > log_.applied(); }
  // New cluster: commits one add_node change per peer at term 1 (see RawNode::bootstrap).
  void bootstrap(const std::vector<ConfChange>& peers);
  NodeId id() const { return id_; }
  NodeId lead_transferee() const { return lead_transferee_; }
  bool has_pending_conf_change_to_apply() const;

 private:
  enum class CampaignType { pre_election, election, transfer };

  // raft.cc — state, roles, ticks
  void load_state(const HardState& state);
  void reset(Term term);
  void become_follower(Term term, NodeId lead);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void tick_election();
  void tick_heartbeat();
  bool promotable() const;
  bool past_election_timeout() const;
  void reset_randomized_election_timeout();
  void abort_leader_transfer() { lead_transferee_ = kNoNode; }
  bool increase_uncommitted_size(const std::vector<Entry>& entries);
  void reduce_uncommitted_size(const std::vector<Entry>& entries);
  void log_line(LogLevel level, const std::string& text) const;

  // raft_step.cc — term prelude, elections, follower and candidate roles
  bool handle_message_term(const Message& m);
  void handle_vote_request(const Message& m);
  void yield_to_better_candidate(const Message& m);
  void hup(CampaignType type);
  void campaign(CampaignType type);
  VoteResult poll(NodeId id, MessageType type, bool granted);
  Result<void> step_follower(Message& m);
  Result<void> step_candidate(Message& m);
  void handle_append_entries(const Message& m);
  void handle_heartbeat(const Message& m);
  void handle_snapshot(const Message& m);
  bool restore(const Snapshot& snapshot);

  // raft_leader.cc — replication, commit, reads, transfer
  Result<void> step_leader(Message& m);
  Result<void> leader_propose(Message& m);
  void leader_check_quorum();
  void leader_read_index(const Message& m);
  void leader_append_response(const Message& m, Progress& pr);
  void leader_heartbeat_response(const Message& m, Progress& pr);
  void leader_transfer(const Message& m, const Progress& pr);
  void send(Message m);
  void send_append(NodeId to) { maybe_send_append(to, true); }
  bool maybe_send_append(NodeId to, bool send_if_empty);
  bool prepare_snapshot_message(Message& m, Progress& pr);
  void send_heartbeat(NodeId to, const std::string& ctx);
  void send_timeout_now(NodeId to);
  void broadcast_append();
  void broadcast_heartbeat(const std::string& ctx);
  bool append_entries(std::vector<Entry> entries);
  bool maybe_commit();
  bool committed_entry_in_current_term() const;
  void send_read_index_response(const Message& m);
  void respond_to_read_index(const Message& request, Index read_index);
  void release_pending_read_index_messages();
  void leader_after_conf_change();
  // A leader removed from the configuration stays on (refusing proposals) until the
  // remaining voters have its whole log, then hands over with TimeoutNow and steps down.
  // It does not give up on a timer or on CheckQuorum: until they have its log they may
  // still need its vote, so it is the only member that can lead.
  void begin_handover_after_removal();
  void maybe_finish_handover();

  NodeId id_;
  Term term_;
  NodeId vote_;
  RaftLog log_;
  ProgressTracker tracker_;
  Role role_ = Role::follower;
  bool is_learner_ = false;
  NodeId lead_;
  NodeId lead_transferee_;
  // Index of the latest conf change proposed by this leader (or the no-op that started its
  // term); a new conf change waits until it is applied (one change at a time, §4.1).
  Index pending_conf_index_;
  uint64_t uncommitted_bytes_ = 0;
  ReadOnly read_only_;
  std::vector<Message> pending_read_index_messages_;
  std::vector<Message> msgs_;
  std::vector<ReadState> read_states_;
  bool handing_over_ = false;  // leader, removed from the configuration (see above)
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int election_ticks_;
  int heartbeat_ticks_;
  int randomized_election_ticks_ = 0;
  bool check_quorum_;
  bool pre_vote_;
  bool disable_proposal_forwarding_;
  uint64_t max_msg_bytes_;
  uint64_t max_uncommitted_bytes_;
  Rng* rng_;
  Logger* logger_;
};

}  // namespace etcd::raft
