// Snapshots: compaction snapshots (metadata only: the database itself is the state), the
// snapshot a lagging follower is sent (a fresh copy of the database at the applied index,
// as etcd v3's merged snapshot), and installing one received from the leader.
#include <spdlog/spdlog.h>

#include "etcd/server/persisted_state.h"
#include "etcd/server/server_core.h"

namespace etcd::server {

Term ServerCore::term_of(Index index) const {
  auto term = storage_->term(index);
  return term.ok() ? *term : Term{0};
}

void ServerCore::maybe_snapshot() {
  if (applied_index_ - snapshot_index_ < options_.snapshot_count) return;
  take_snapshot();
}

void ServerCore::take_snapshot() {
  const Index index = applied_index_;
  const Term term = term_of(index);
  // The marker promises "state up to index is durable": make the database so first.
  wait_for_store_checkpoint();
  store_->make_durable();
  const raft::SnapshotMetadata metadata{index, term, conf_state_};
  if (auto saved = snapshotter_->save(raft::Snapshot{metadata, ""}); !saved.ok()) {
    fatal("saving a snapshot", saved.error());
  }
  if (auto marked = wal_->save_snapshot_marker({index, term}); !marked.ok()) {
    fatal("writing the snapshot marker", marked.error());
  }
  (void)storage_->create_snapshot(index, conf_state_, "");
  // Keep some entries so followers a little behind catch up from the log, not a snapshot.
  if (index.value > options_.snapshot_catchup_entries) {
    const Index compact_to = index - options_.snapshot_catchup_entries;
    if (compact_to >= storage_->first_index()) (void)storage_->compact(compact_to);
  }
  wal_->release_before(index);
  if (auto purged = wal_->purge(options_.max_wals); !purged.ok()) {
    spdlog::warn("purging WAL segments: {}", purged.error().message);
  }
  if (auto purged = snapshotter_->purge(options_.max_snapshots); !purged.ok()) {
    spdlog::warn("purging snapshots: {}", purged.error().message);
  }
  snapshot_index_ = index;
  if (options_.metrics) options_.metrics->snapshots_saved.add();
  spdlog::info("saved snapshot at index {} (term {})", index.value, term.value);
}

raft::Message ServerCore::rebuild_snapshot_message(raft::Message message) {
  // Raft picked the stored (metadata-only) snapshot; send the live database instead, at
  // the applied index, which is at least as new as that snapshot.
  raft::Snapshot snapshot;
  snapshot.metadata = raft::SnapshotMetadata{applied_index_, term_of(applied_index_), conf_state_};
  snapshot.data = store_->save_snapshot();
  spdlog::info("sending database snapshot at index {} ({} bytes) to {:x}", applied_index_.value,
               snapshot.data.size(), message.to.value);
  message.snapshot = std::move(snapshot);
  return message;
}

void ServerCore::install_snapshot(const raft::Snapshot& snapshot) {
  const auto& metadata = snapshot.metadata;
  spdlog::info("installing snapshot at index {} (term {}) from the leader", metadata.index.value,
               metadata.term.value);
  wait_for_store_checkpoint();
  if (auto restored = store_->restore_snapshot(snapshot.data); !restored.ok()) {
    fatal("restoring the store from a snapshot", restored.error());
  }
  ++auth_generation_;
  open_kv();  // the image may predate the v3 tables
  if (on_v3_restored) on_v3_restored();
  if (store_->applied_index() != metadata.index) {
    fatal("restoring the store from a snapshot",
          Error{"snapshot database is at index " + std::to_string(store_->applied_index().value) +
                ", expected " + std::to_string(metadata.index.value)});
  }
  store_->make_durable();
  auto persisted = load_membership(*store_);
  if (!persisted.ok()) fatal("reading the membership from a snapshot", persisted.error());
  membership_ = std::move(persisted->membership);
  conf_state_ = metadata.conf_state;
  if (auto saved = snapshotter_->save(raft::Snapshot{metadata, ""}); !saved.ok()) {
    fatal("saving a snapshot", saved.error());
  }
  if (auto marked = wal_->save_snapshot_marker({metadata.index, metadata.term}); !marked.ok()) {
    fatal("writing the snapshot marker", marked.error());
  }
  if (auto applied = storage_->apply_snapshot(raft::Snapshot{metadata, ""}); !applied.ok()) {
    fatal("applying a snapshot to the raft log", applied.error());
  }
  applied_index_ = metadata.index;
  applied_term_ = metadata.term;
  snapshot_index_ = metadata.index;
  sync_peers();
  if (on_membership_change) on_membership_change(membership_);
}

}  // namespace etcd::server
