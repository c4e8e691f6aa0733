// ServerCore: one etcd2 member's engine, synchronous and without Asio. It owns the raft
// node, its MemoryStorage, the WAL, the snapshot files and the v2 store, and runs the
// Ready loop in the order raft requires (etcd/raft/ready.h):
//   1. persist: WAL save (one fdatasync per Ready when must_sync), incoming snapshot;
//   2. send messages (a snapshot message is rebuilt from the live database);
//   3. apply committed entries in one store batch with the applied index;
//   4. answer the proposals and reads that were waiting on them; advance.
//
// Durability model ("consistent index", as etcd v3): the SQLite store is durable at its
// own applied index, together with the membership and raft's ConfState; a compaction
// snapshot records only (index, term, conf state) after making the database durable, and
// a restart resumes raft at the database's applied index, so no entry is applied twice.
//
// Thread: single-threaded. The host (server.h) calls it from one strand only.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "etcd/common/clock.h"
#include "etcd/common/random.h"
#include "etcd/mvcc/kv_store.h"
#include "etcd/raft/raw_node.h"
#include "etcd/raft/storage.h"
#include "etcd/server/background_call.h"
#include "etcd/server/membership.h"
#include "etcd/server/payload.h"
#include "etcd/server/peer_network.h"
#include "etcd/server/server_metrics.h"
#include "etcd/store/store.h"
#include "etcd/wal/snapshotter.h"
#include "etcd/wal/wal.h"

namespace etcd::server {

struct CoreOptions {
  NodeId id;
  std::string name;
  std::vector<std::string> client_urls;  // advertised, published once running
  std::string cluster_token;
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  uint64_t snapshot_count = 10000;
  // Entries kept behind a snapshot so slightly lagging followers catch up from the log.
  uint64_t snapshot_catchup_entries = 5000;
  // A learner is promoted once its log is within this many entries of the leader's commit.
  uint64_t learner_catchup_entries = 100;
  uint32_t max_snapshots = 5;
  uint32_t max_wals = 5;
  bool strict_reconfig_check = true;
  // How long a membership change waits for the one before it (or a new leader's first
  // entry) to be applied before failing: the host sets it just under its request timeout.
  int conf_change_wait_ticks = 45;
  uint64_t max_request_bytes = 1536 * 1024;
  int max_txn_ops = mvcc::kDefaultMaxTxnOps;  // --max-txn-ops
  ServerMetrics* metrics = nullptr;           // not owned; null: not measured (tests)
};

// Everything bootstrap.h recovered or created on disk.
struct DiskState {
  std::unique_ptr<wal::Wal> wal;
  std::unique_ptr<wal::Snapshotter> snapshotter;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<raft::MemoryStorage> storage;
  Membership membership;
  raft::ConfState conf_state;  // raft's configuration at the store's applied index
  std::vector<raft::ConfChange> bootstrap_peers;  // non-empty: start a new cluster
  // A joining member: the members the cluster reported, so we can reach them before our
  // own log (replayed from its start, or a snapshot) has told us who they are.
  std::map<NodeId, std::vector<std::string>> seed_peers;
};

// The outcome of a proposal once applied (or failed before).
struct ApplyResult {
  store::StoreResult<store::Event> result = store::StoreError{};
  Index raft_index;
  Term raft_term;
};

// The outcome of a v3 write once applied (or failed before): the mvcc response for the
// request's kind, or the store's or the server's error.
using V3Response = mvcc::WriteResponse;
struct V3ApplyResult {
  Result<V3Response> result = Error{""};
  Index raft_index;
  Term raft_term;
};

// Errors a proposal can fail with before it is applied (etcd's messages).
inline constexpr std::string_view kErrNoLeader = "etcdserver: no leader";
inline constexpr std::string_view kErrStopped = "etcdserver: server stopped";
inline constexpr std::string_view kErrTooLarge = "etcdserver: request is too large";

class ServerCore {
 public:
  using ProposalCallback = std::function<void(const ApplyResult&)>;
  using ReadCallback = std::function<void(Result<void>)>;
  using MemberCallback = std::function<void(Result<Member>)>;
  using V3Callback = std::function<void(V3ApplyResult)>;

  ServerCore(CoreOptions options, DiskState disk, PeerNetwork& network, const Clock& clock,
             Rng& rng, raft::Logger* logger);
  ~ServerCore();

  // Inputs. Each runs the Ready loop before returning, unless the host set
  // schedule_ready: then the loop runs when the host calls process_ready().
  void tick();
  void step(const raft::Message& message);
  void report_unreachable(NodeId id);
  void report_snapshot(NodeId id, bool ok);
  // A v2 write (or quorum get): answered once applied, or at once on failure.
  void propose(store::Request request, ProposalCallback done);
  // A v3 write (put, delete, txn, compaction): answered once applied, or at once on
  // failure. Returns the request id (for cancel()).
  uint64_t propose_v3(mvcc::WriteRequest request, V3Callback done);
  // Linearizable read point: `done` runs once this member has applied everything
  // committed when the read began (Raft §6.4).
  void read_index(ReadCallback done);
  void add_member(std::vector<std::string> peer_urls, bool learner, MemberCallback done);
  void remove_member(NodeId id, MemberCallback done);
  void update_member(NodeId id, std::vector<std::string> peer_urls, MemberCallback done);
  void promote_member(NodeId id, MemberCallback done);
  // Leader: promote a learner that has published its name and caught up (issue 6: a new
  // member joins as a learner so it never costs the cluster its quorum while it catches up).
  void maybe_promote_learners();
  // Stopping: a leader asks its most caught-up voter to take over. False when this member
  // does not lead or no voter can take over (then it just stops).
  bool hand_over_leadership();
  // v3 MoveLeader: this leader asks `target` (a voting member) to take over. Errors:
  // "etcdserver: not leader", "etcdserver: bad leader transferee".
  Result<void> transfer_leadership(NodeId target);
  // A peer refused our stream because it applied our removal: stop even if raft never
  // delivered the removal to us (the leader stops replicating to a removed member).
  void removed_by_peer(NodeId peer);
  // Forget a waiter (the client timed out or went away).
  void cancel(uint64_t request_id);

  // Leader: propose a SYNC with the current time when TTL keys exist (every ~500 ms).
  void maybe_sync();

  // Queries (same thread).
  store::Store& store() { return *store_; }
  // The v3 keyspace, in the same database and transaction as store().
  mvcc::KvStore& kv() { return *kv_; }
  // Changes whenever the applied /_auth tree may have changed (a write under it, a
  // snapshot): readers of the auth state cache it against this.
  uint64_t auth_generation() const { return auth_generation_; }
  const Membership& membership() const { return membership_; }
  raft::Status status() const { return node_.status(); }
  NodeId id() const { return options_.id; }
  NodeId leader() const { return leader_; }
  bool is_leader() const { return leader_ == options_.id; }
  Index applied_index() const { return applied_index_; }
  Term term() const { return node_.status().hard_state.term; }
  bool removed() const { return removed_; }
  // This member's name and client URLs are committed: it can serve (etcd's "published").
  bool published() const { return published_; }
  uint64_t next_request_id() { return ++last_request_id_; }

  // Observers for the host: leadership changes and self-removal.
  std::function<void(NodeId leader)> on_leader_change;
  std::function<void()> on_removed;
  // After the membership changed (applied conf change, publish, installed snapshot).
  std::function<void(const Membership&)> on_membership_change;
  // After a v3 write changed the keyspace: its events in revision order (watchers' feed).
  std::function<void(const std::vector<mvcc::Event>&)> on_v3_events;
  // A lease was granted or renewed (ttl > 0, seconds) or revoked (ttl 0) by an applied
  // entry: the host's lease clock restarts its countdown.
  std::function<void(int64_t id, int64_t ttl)> on_lease_change;
  // After a snapshot replaced the keyspace: watchers must resynchronise from the store.
  std::function<void()> on_v3_restored;

  // Group commit: when set, inputs only ask the host (once until it answers) to call
  // process_ready(), which it does after the input already queued behind this one, so they
  // share one Ready, one WAL fsync and one store batch (or at once when none is queued).
  std::function<void()> schedule_ready;
  void process_ready();

 private:
  void ready_wanted();
  void run_ready_loop();
  void handle_ready(raft::Ready& ready);
  void persist_send_apply(raft::Ready& ready);
  void persist(const raft::Ready& ready);
  // Writes the Ready's hard state and entries and makes them durable: at once, or (with
  // sync_in_background, returning true) on wal_sync_'s thread, collected with
  // finish_wal_sync(wal_sync_.wait()) before the next WAL use.
  bool write_wal(const raft::Ready& ready, bool sync_in_background);
  void finish_wal_sync(const Result<void>& synced);
  void update_raft_storage(const raft::Ready& ready);
  bool changes_term_or_vote(const raft::Ready& ready) const;
  void install_snapshot(const raft::Snapshot& snapshot);
  void send(std::vector<raft::Message> messages);
  raft::Message rebuild_snapshot_message(raft::Message message);
  void apply_entries(std::span<const raft::Entry> entries);
  void maybe_flush_store();
  void maybe_checkpoint_store();
  // Before anything that needs the store's database file to itself (FULL checkpoint,
  // restore): lets a background checkpoint finish.
  void wait_for_store_checkpoint();
  // Returns whether the membership changed.
  bool apply_normal(const raft::Entry& entry);
  void apply_v3(V3Request& request, const raft::Entry& entry);
  void open_kv();
  void apply_conf_change(const raft::Entry& entry);
  Result<void> validate_conf_change(const raft::ConfChange& cc, const Member& member) const;
  void sync_peers();
  void release_reads();
  void maybe_publish();
  void maybe_snapshot();
  void take_snapshot();
  Term term_of(Index index) const;
  void fail_all_pending(std::string_view why);
  // Queues the change; it is proposed once raft takes one (see conf_change_must_wait()).
  // quorum_checked: --strict-reconfig-check already passed (as the leader, with health).
  void propose_conf_change(raft::ConfChange cc, Member member, MemberCallback done,
                           bool quorum_checked = false);
  void propose_waiting_conf_changes();
  bool conf_change_must_wait() const;
  void expire_waiting_conf_changes();
  // Heard from within an election timeout (any raft message): the health that
  // --strict-reconfig-check counts.
  bool heard_recently(NodeId id) const;
  uint64_t election_ticks() const { return static_cast<uint64_t>(options_.election_ticks); }
  // Leader: the most caught-up voter other than us. Follower: us, if we vote.
  NodeId transfer_target() const;
  void continue_removal_after_transfer();
  Result<void> check_quorum_after(const raft::ConfChange& cc) const;
  [[noreturn]] void fatal(const std::string& what, const Error& error) const;
  void record_progress();
  void report_removed();

  CoreOptions options_;
  PeerNetwork& network_;
  const Clock& clock_;
  std::unique_ptr<wal::Wal> wal_;
  BackgroundCall wal_sync_;  // the WAL's fdatasync, overlapped with applying
  int64_t wal_sync_started_ns_ = 0;
  std::unique_ptr<wal::Snapshotter> snapshotter_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<mvcc::KvStore> kv_;
  std::unique_ptr<raft::MemoryStorage> storage_;
  // Copies the store's SQLite WAL into its database off the strand (nullptr: in memory).
  std::unique_ptr<store::Checkpointer> checkpointer_;
  BackgroundCall checkpoint_call_;
  bool checkpointing_ = false;
  raft::RawNode node_;
  Membership membership_;
  std::map<NodeId, std::vector<std::string>> seed_peers_;  // see DiskState::seed_peers
  raft::ConfState conf_state_;
  NodeId leader_;
  Index applied_index_;
  Term applied_term_;
  Index snapshot_index_;  // newest compaction snapshot (or installed snapshot)
  uint64_t auth_generation_ = 0;
  bool removed_ = false;
  bool removal_reported_ = false;
  bool published_ = false;
  bool publish_due_ = false;
  bool ready_scheduled_ = false;
  bool in_ready_loop_ = false;  // an input from a callback only adds to the running loop
  int64_t last_flush_ns_ = 0;   // steady clock
  raft::Role role_ = raft::Role::follower;
  int ticks_since_publish_ = 0;
  uint64_t last_request_id_ = 0;
  std::map<NodeId, std::vector<std::string>> peers_;  // as told to network_
  std::set<NodeId> removed_told_;                     // removals told to network_
  std::map<uint64_t, ProposalCallback> proposals_;
  std::map<uint64_t, V3Callback> v3_proposals_;
  std::map<uint64_t, MemberCallback> member_waiters_;
  // The leader's removal, waiting for the leadership transfer to finish.
  struct PendingRemoval {
    Member member;
    MemberCallback done;
    int ticks = 0;
  };
  std::optional<PendingRemoval> removal_after_transfer_;
  // Membership changes not yet proposed: raft takes one at a time, and a new leader none
  // until its first entry is applied. A client should not see that as an error.
  struct WaitingConfChange {
    raft::ConfChange cc;
    Member member;
    MemberCallback done;
    bool quorum_checked = false;
    int ticks_left = 0;
  };
  std::deque<WaitingConfChange> conf_changes_waiting_;
  uint64_t ticks_ = 0;
  uint64_t leader_since_tick_ = 0;                     // ticks_ when we last became leader
  std::map<NodeId, uint64_t> last_heard_tick_;         // peer → ticks_ when a message came
  std::map<std::string, ReadCallback> reads_pending_;  // waiting for a ReadState
  std::multimap<Index, ReadCallback> reads_ready_;     // waiting for apply
  uint64_t last_read_id_ = 0;
};

}  // namespace etcd::server
