#include "etcd/server/server_core.h"

#include <cstdlib>

#include <spdlog/spdlog.h>

#include "etcd/common/assert.h"

namespace etcd::server {
namespace {

raft::Config raft_config(const CoreOptions& o, raft::MemoryStorage& storage, Index applied,
                         Rng& rng, raft::Logger* logger) {
  raft::Config c;
  c.id = o.id;
  c.election_ticks = o.election_ticks;
  c.heartbeat_ticks = o.heartbeat_ticks;
  c.storage = &storage;
  c.applied = applied;
  c.max_size_per_msg_bytes = 1024 * 1024;
  c.max_inflight_msgs = 4096 / 8;
  c.check_quorum = true;
  c.pre_vote = true;
  c.rng = &rng;
  c.logger = logger;
  return c;
}

// Request IDs must not collide with another member's (every member sees every entry):
// etcd's idutil scheme — member bits on top, then a start-time-seeded counter.
uint64_t initial_request_id(NodeId id, const Clock& clock) {
  const uint64_t millis = static_cast<uint64_t>(clock.now_unix_ns() / 1'000'000);
  return ((id.value & 0xffff) << 48) | ((millis & 0xffffffffffULL) << 8);
}

}  // namespace

ServerCore::ServerCore(CoreOptions options, DiskState disk, PeerNetwork& network,
                       const Clock& clock, Rng& rng, raft::Logger* logger)
    : options_(std::move(options)),
      network_(network),
      clock_(clock),
      wal_(std::move(disk.wal)),
      snapshotter_(std::move(disk.snapshotter)),
      store_(std::move(disk.store)),
      storage_(std::move(disk.storage)),
      node_(raft_config(options_, *storage_, store_->applied_index(), rng, logger)),
      membership_(std::move(disk.membership)),
      seed_peers_(std::move(disk.seed_peers)),
      conf_state_(std::move(disk.conf_state)),
      applied_index_(store_->applied_index()),
      applied_term_(term_of(applied_index_)),
      snapshot_index_(storage_->snapshot()->metadata.index),
      last_request_id_(initial_request_id(options_.id, clock)),
      // ReadIndex contexts must never repeat across restarts: a response still in flight
      // to our previous incarnation would otherwise release a new read at an old index
      // (a stale "quorum" read, found by tests/cluster faults.py seed 2 round 11, 5 members).
      last_read_id_(initial_request_id(options_.id, clock)) {
  open_kv();
  store_->defer_commits(true);
  if (auto detached = store_->detach_checkpoints(); detached.ok()) {
    checkpointer_ = std::move(detached).value();
  } else {
    spdlog::warn("store: checkpoints stay in the commit path: {}", detached.error().message);
  }
  last_flush_ns_ = clock_.steady_ns();
  if (!disk.bootstrap_peers.empty()) {
    auto started = node_.bootstrap(disk.bootstrap_peers);
    if (!started.ok()) fatal("bootstrapping raft", started.error());
  }
  sync_peers();
  run_ready_loop();
  // etcd's initial election tick advance: a member that is the only voter has nobody to
  // wait for, so it elects itself now instead of after an election timeout.
  if (conf_state_.voters == std::vector<NodeId>{options_.id} && conf_state_.learners.empty()) {
    node_.campaign();
    run_ready_loop();
  }
}

ServerCore::~ServerCore() {
  fail_all_pending(kErrStopped);
  auto proposals = std::move(proposals_);
  for (auto& [id, done] : proposals) {
    done(ApplyResult{store::StoreError{store::ErrorCode::raft_internal, std::string(kErrStopped),
                                       store_->index()}});
  }
  auto members = std::move(member_waiters_);
  for (auto& [id, done] : members)
    done(Error{std::string(kErrStopped)});
  auto waiting = std::move(conf_changes_waiting_);
  for (auto& w : waiting)
    w.done(Error{std::string(kErrStopped)});
  auto v3 = std::move(v3_proposals_);
  for (auto& [id, done] : v3)
    done(V3ApplyResult{Error{std::string(kErrStopped)}, {}, {}});
}

void ServerCore::open_kv() {
  auto kv = mvcc::KvStore::open(store_->database(), mvcc::KvStore::Options{options_.max_txn_ops});
  if (!kv.ok()) fatal("opening the v3 keyspace", kv.error());
  kv_ = std::move(kv).value();
}

void ServerCore::fatal(const std::string& what, const Error& error) const {
  // Unsafe to continue (a failed fsync leaves the file in an unknown state): stop, and let
  // systemd restart us into recovery. An exit status, not abort(): the cause is the disk
  // (often a full one), where a core dump helps nobody.
  spdlog::critical("{}: {}", what, error.message);
  spdlog::default_logger()->flush();
  std::_Exit(EXIT_FAILURE);
}

void ServerCore::report_removed() {
  if (removal_reported_) return;
  removal_reported_ = true;
  spdlog::warn("this member was removed from the cluster; stopping");
  if (on_removed) on_removed();
}

void ServerCore::removed_by_peer(NodeId peer) {
  if (removal_reported_) return;
  spdlog::warn("member {} reports that this member was removed from the cluster",
               id_to_hex(peer.value));
  removed_ = true;
  report_removed();
}

void ServerCore::tick() {
  ++ticks_;
  node_.tick();
  if (removed_ && !removal_reported_ && node_.status().soft_state.role != raft::Role::leader) {
    report_removed();
  }
  if (!published_ && ++ticks_since_publish_ >= options_.election_ticks) maybe_publish();
  expire_waiting_conf_changes();
  propose_waiting_conf_changes();
  maybe_promote_learners();
  continue_removal_after_transfer();
  ready_wanted();
}

void ServerCore::step(const raft::Message& message) {
  last_heard_tick_[message.from] = ticks_;
  auto stepped = node_.step(message);
  if (!stepped.ok()) {
    spdlog::debug("raft: ignored {} from {:x}: {}", raft::to_string(message.type),
                  message.from.value, stepped.error().message);
  }
  ready_wanted();
}

void ServerCore::report_unreachable(NodeId id) {
  node_.report_unreachable(id);
  ready_wanted();
}

void ServerCore::report_snapshot(NodeId id, bool ok) {
  node_.report_snapshot(id, ok);
  ready_wanted();
}

void ServerCore::propose(store::Request request, ProposalCallback done) {
  if (request.id == 0) request.id = next_request_id();
  std::string data = encode_payload(request);
  if (data.size() > options_.max_request_bytes) {
    done(ApplyResult{store::StoreError{store::ErrorCode::raft_internal, std::string(kErrTooLarge),
                                       store_->index()}});
    return;
  }
  const uint64_t id = request.id;
  auto proposed = node_.propose(std::move(data));
  if (!proposed.ok()) {
    if (options_.metrics) options_.metrics->proposals_failed.add();
    done(ApplyResult{
        store::StoreError{store::ErrorCode::raft_internal,
                          leader_ == kNoNode ? std::string(kErrNoLeader) : proposed.error().message,
                          store_->index()}});
    return;
  }
  if (id != 0) proposals_.emplace(id, std::move(done));
  ready_wanted();
}

uint64_t ServerCore::propose_v3(mvcc::WriteRequest request, V3Callback done) {
  const uint64_t id = next_request_id();
  std::string data = encode_payload(V3Request{id, std::move(request)});
  if (data.size() > options_.max_request_bytes) {
    done(V3ApplyResult{Error{std::string(kErrTooLarge)}, {}, {}});
    return id;
  }
  auto proposed = node_.propose(std::move(data));
  if (!proposed.ok()) {
    if (options_.metrics) options_.metrics->proposals_failed.add();
    done(V3ApplyResult{
        Error{leader_ == kNoNode ? std::string(kErrNoLeader) : proposed.error().message}, {}, {}});
    return id;
  }
  v3_proposals_.emplace(id, std::move(done));
  ready_wanted();
  return id;
}

void ServerCore::read_index(ReadCallback done) {
  if (leader_ == kNoNode) {
    done(Error{std::string(kErrNoLeader)});
    return;
  }
  const std::string ctx = std::to_string(options_.id.value) + "/" + std::to_string(++last_read_id_);
  reads_pending_.emplace(ctx, std::move(done));
  node_.read_index(ctx);
  ready_wanted();
}

void ServerCore::cancel(uint64_t request_id) {
  proposals_.erase(request_id);
  v3_proposals_.erase(request_id);
  member_waiters_.erase(request_id);
}

void ServerCore::maybe_sync() {
  if (!is_leader() || !store_->has_ttl_keys()) return;
  store::Request sync;
  sync.method = store::Method::sync;
  sync.time_ns = clock_.now_unix_ns();
  (void)node_.propose(encode_payload(sync));  // best effort: the next tick retries
  ready_wanted();
}

void ServerCore::ready_wanted() {
  if (!schedule_ready) return run_ready_loop();
  if (ready_scheduled_) return;
  ready_scheduled_ = true;
  schedule_ready();
}

void ServerCore::process_ready() {
  ready_scheduled_ = false;
  run_ready_loop();
}

void ServerCore::run_ready_loop() {
  if (in_ready_loop_) return;  // the loop below picks the new work up
  in_ready_loop_ = true;
  while (node_.has_ready()) {
    raft::Ready ready = node_.ready();
    handle_ready(ready);
    node_.advance(ready);
    // A leader just appeared: publish at once rather than waiting for the retry timer.
    if (publish_due_) {
      publish_due_ = false;
      maybe_publish();
    }
  }
  in_ready_loop_ = false;
  maybe_snapshot();
  maybe_flush_store();
  record_progress();
  // An applied entry may have been what a waiting membership change waited for.
  if (!conf_changes_waiting_.empty()) propose_waiting_conf_changes();
}

void ServerCore::record_progress() {
  auto* m = options_.metrics;
  if (m == nullptr) return;
  m->proposals_committed.set(static_cast<int64_t>(node_.status().hard_state.commit.value));
  m->proposals_applied.set(static_cast<int64_t>(applied_index_.value));
  m->proposals_pending.set(static_cast<int64_t>(proposals_.size() + v3_proposals_.size()));
  m->store_watchers.set(static_cast<int64_t>(store_->stats().watchers));
}

void ServerCore::handle_ready(raft::Ready& ready) {
  if (ready.soft_state && ready.soft_state->leader != leader_) {
    const NodeId old = leader_;
    leader_ = ready.soft_state->leader;
    spdlog::info("raft: leader changed from {:x} to {:x}", old.value, leader_.value);
    // Reads waiting for a ReadState from a deposed leader will never get one.
    if (old == options_.id) fail_all_pending("etcdserver: leader changed");
    if (leader_ == options_.id) leader_since_tick_ = ticks_;
    if (auto* m = options_.metrics) {
      m->leader_changes.add();
      m->has_leader.set(leader_ != kNoNode ? 1 : 0);
      m->is_leader.set(leader_ == options_.id ? 1 : 0);
    }
    if (on_leader_change) on_leader_change(leader_);
    if (removed_ && old == options_.id) report_removed();
    if (leader_ != kNoNode && !published_) publish_due_ = true;
  }
  if (ready.soft_state) role_ = ready.soft_state->role;
  persist_send_apply(ready);
  for (const auto& rs : ready.read_states) {
    auto it = reads_pending_.find(rs.request_ctx);
    if (it == reads_pending_.end()) continue;
    reads_ready_.emplace(rs.index, std::move(it->second));
    reads_pending_.erase(it);
  }
  release_reads();
}

void ServerCore::persist_send_apply(raft::Ready& ready) {
  // Raft thesis §10.2.1: a leader may replicate while it writes its own log, so its fsync
  // overlaps the followers' instead of preceding them. Safe because this Ready's entries
  // are durable before the next Ready is handled, and a leader's term and vote were made
  // durable before it could have won (messages after a changed vote or term wait).
  const bool send_first = role_ == raft::Role::leader && !changes_term_or_vote(ready);
  if (send_first) send(std::move(ready.messages));
  if (ready.snapshot) {
    persist(ready);
    if (!send_first) send(std::move(ready.messages));
    apply_entries(ready.committed_entries);
    return;
  }
  // Entries durable before this Ready are applied while the disk syncs the new ones; a
  // committed entry that is only now being written waits for the sync.
  const Index durable = storage_->last_index();
  std::span<const raft::Entry> committed = ready.committed_entries;
  size_t early = 0;
  while (early < committed.size() && committed[early].index <= durable)
    ++early;
  // Handing the fsync to the other thread costs a wake-up: only worth it with work to overlap.
  const bool syncing = write_wal(ready, /*sync_in_background=*/early > 0);
  apply_entries(committed.first(early));
  if (syncing) finish_wal_sync(wal_sync_.wait());
  update_raft_storage(ready);
  apply_entries(committed.subspan(early));
  if (!send_first) send(std::move(ready.messages));
}

bool ServerCore::changes_term_or_vote(const raft::Ready& ready) const {
  if (!ready.hard_state) return false;
  const raft::HardState& durable = storage_->hard_state();
  return ready.hard_state->term != durable.term || ready.hard_state->vote != durable.vote;
}

void ServerCore::persist(const raft::Ready& ready) {
  if (ready.snapshot) install_snapshot(*ready.snapshot);
  write_wal(ready, /*sync_in_background=*/false);
  update_raft_storage(ready);
}

bool ServerCore::write_wal(const raft::Ready& ready, bool sync_in_background) {
  if (!ready.hard_state && ready.entries_to_persist.empty()) return false;
  auto saved = wal_->save(ready.hard_state.value_or(raft::HardState{}), ready.entries_to_persist,
                          /*must_sync=*/false);
  if (!saved.ok()) fatal("writing the WAL", saved.error());
  if (!ready.must_sync) return false;
  wal_sync_started_ns_ = clock_.steady_ns();
  if (sync_in_background) {
    wal_sync_.start([this] { return wal_->sync(); });
    return true;
  }
  finish_wal_sync(wal_->sync());
  return false;
}

void ServerCore::finish_wal_sync(const Result<void>& synced) {
  if (!synced.ok()) fatal("writing the WAL", synced.error());
  if (options_.metrics) {
    options_.metrics->wal_fsync_seconds.observe(
        static_cast<double>(clock_.steady_ns() - wal_sync_started_ns_) / 1e9);
  }
}

void ServerCore::update_raft_storage(const raft::Ready& ready) {
  if (ready.hard_state) storage_->set_hard_state(*ready.hard_state);
  if (auto appended = storage_->append(ready.entries_to_persist); !appended.ok()) {
    fatal("appending to the raft log", appended.error());
  }
}

void ServerCore::send(std::vector<raft::Message> messages) {
  if (messages.empty()) return;
  for (auto& m : messages) {
    if (m.type == raft::MessageType::snapshot) m = rebuild_snapshot_message(std::move(m));
  }
  network_.send(std::move(messages));
}

void ServerCore::release_reads() {
  if (reads_ready_.empty() || reads_ready_.begin()->first > applied_index_) return;
  // The reads released together share one read transaction (the callbacks only read).
  store::ReadScope read(store_->database());
  while (!reads_ready_.empty() && reads_ready_.begin()->first <= applied_index_) {
    auto done = std::move(reads_ready_.begin()->second);
    reads_ready_.erase(reads_ready_.begin());
    done(Ok{});
  }
}

void ServerCore::fail_all_pending(std::string_view why) {
  auto reads = std::move(reads_pending_);
  reads_pending_.clear();
  for (auto& [ctx, done] : reads)
    done(Error{std::string(why)});
}

}  // namespace etcd::server
