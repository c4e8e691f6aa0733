// The vocabulary of Raft: log entries, hard state, snapshots, configuration and the
// messages members exchange. Plain data, header-only, no behaviour beyond equality; used
// by raft/ itself, by wal/ (what it persists) and transport/ (what it sends).
//
// The message set follows etcd's raftpb (Raft thesis §3-§6 plus PreVote §9.6, ReadIndex
// §6.4 and leadership transfer §3.10). Local-only message types never leave the process.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "etcd/common/ids.h"

namespace etcd::raft {

enum class EntryType : uint8_t {
  normal = 0,       // application data (possibly empty: the leader's no-op)
  conf_change = 1,  // data is an encoded ConfChange
};

struct Entry {
  Term term;
  Index index;
  EntryType type = EntryType::normal;
  std::string data;

  bool operator==(const Entry&) const = default;
};

// What must be durable before a node answers a message (Raft figure 2 "persistent state").
struct HardState {
  Term term;
  NodeId vote;
  Index commit;

  bool operator==(const HardState&) const = default;
  bool empty() const { return *this == HardState{}; }
};

// The membership a snapshot (or the applied log) implies.
struct ConfState {
  std::vector<NodeId> voters;    // sorted
  std::vector<NodeId> learners;  // sorted; disjoint from voters

  bool operator==(const ConfState&) const = default;
};

struct SnapshotMetadata {
  Index index;  // last entry the snapshot covers
  Term term;    // term of that entry
  ConfState conf_state;

  bool operator==(const SnapshotMetadata&) const = default;
};

struct Snapshot {
  SnapshotMetadata metadata;
  std::string data;  // opaque to raft: the application's state at metadata.index

  bool operator==(const Snapshot&) const = default;
  bool empty() const { return metadata.index == Index{0}; }
};

enum class ConfChangeType : uint8_t {
  add_node = 0,      // add a voter, or promote an existing learner
  remove_node = 1,
  add_learner = 2,   // add a non-voting member (or demote is refused: learners only grow)
  update_node = 3,   // change only the context (e.g. peer URLs); no effect on quorum
};

struct ConfChange {
  ConfChangeType type = ConfChangeType::add_node;
  NodeId node_id;
  std::string context;  // opaque to raft: the server stores member attributes here

  bool operator==(const ConfChange&) const = default;
};

enum class MessageType : uint8_t {
  hup = 0,             // local: start an election (campaign)
  beat = 1,            // local: leader sends heartbeats now
  propose = 2,         // entries to append; followers forward it to the leader
  append = 3,          // AppendEntries
  append_resp = 4,
  vote = 5,            // RequestVote
  vote_resp = 6,
  snapshot = 7,        // InstallSnapshot
  heartbeat = 8,
  heartbeat_resp = 9,
  unreachable = 10,    // local: transport reports a peer unreachable
  snap_status = 11,    // local: transport reports a snapshot sent (reject = failed)
  check_quorum = 12,   // local: leader checks it heard from a quorum
  transfer_leader = 13,
  timeout_now = 14,    // leadership transfer: campaign immediately
  read_index = 15,
  read_index_resp = 16,
  pre_vote = 17,
  pre_vote_resp = 18,
};

constexpr bool is_local(MessageType t) {
  return t == MessageType::hup || t == MessageType::beat || t == MessageType::unreachable ||
         t == MessageType::snap_status || t == MessageType::check_quorum;
}

constexpr bool is_response(MessageType t) {
  return t == MessageType::append_resp || t == MessageType::vote_resp ||
         t == MessageType::heartbeat_resp || t == MessageType::unreachable ||
         t == MessageType::pre_vote_resp;
}

struct Message {
  MessageType type = MessageType::hup;
  NodeId to;
  NodeId from;
  Term term;        // sender's term; 0 for local messages
  Term log_term;    // append: term of entry at `index`; vote: candidate's last log term
  Index index;      // append: index before `entries`; vote: candidate's last index
  std::vector<Entry> entries;
  Index commit;     // append/heartbeat: leader's commit
  bool reject = false;
  Index reject_hint;  // append_resp on reject: follower's hint for fast back-off (§5.3)
  Term reject_hint_term;  // term of the follower's entry at reject_hint (etcd's LogTerm)
  std::optional<Snapshot> snapshot;
  std::string context;  // read_index request context; campaign-transfer marker

  bool operator==(const Message&) const = default;
};

const char* to_string(MessageType t);

}  // namespace etcd::raft
