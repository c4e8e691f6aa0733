#include "etcd/server/bootstrap.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include <spdlog/spdlog.h>

#include "etcd/raft/codec.h"
#include "etcd/server/persisted_state.h"
#include "etcd/wal/data_dir.h"

namespace etcd::server {
namespace {

Result<std::unique_ptr<store::Store>> open_store(const wal::DataDir& dir) {
  auto store = store::Store::open(dir.db_path);
  if (!store) return Error{"opening " + dir.db_path + ": " + store.error().message};
  return std::move(store).value();
}

constexpr int kJoinAttempts = 10;
constexpr std::chrono::milliseconds kJoinRetryDelay{500};

const Member* find_self(const Membership& ms, const std::vector<std::string>& peer_urls) {
  for (const auto& url : peer_urls) {
    if (const Member* m = ms.find_by_peer_url(url)) return m;
  }
  return nullptr;
}

Result<Bootstrapped> start_fresh(const BootstrapConfig& config, const wal::DataDir& dir,
                                 Membership membership, bool bootstrap_raft, const char* how) {
  const Member* self = find_self(membership, config.advertise_peer_urls);
  if (self == nullptr) {
    return Error{"couldn't find local name \"" + config.name +
                 "\" in the initial cluster configuration"};
  }
  Bootstrapped out;
  out.id = self->id;
  out.cluster_id = membership.cluster_id();
  out.how = how;
  auto wal = wal::Wal::create(dir.wal_dir, {out.id, out.cluster_id},
                              wal::Options{.segment_bytes = config.wal_segment_bytes});
  if (!wal) return Error{"creating the WAL in " + dir.wal_dir + ": " + wal.error().message};
  auto store = open_store(dir);
  if (!store) return store.error();
  out.disk.wal = std::move(wal).value();
  out.disk.snapshotter = std::make_unique<wal::Snapshotter>(dir.snap_dir);
  out.disk.store = std::move(store).value();
  out.disk.storage = std::make_unique<raft::MemoryStorage>();
  for (const auto& [id, m] : membership.members()) {
    if (bootstrap_raft) {
      out.disk.bootstrap_peers.push_back(
          raft::ConfChange{raft::ConfChangeType::add_node, id, encode_context({0, m})});
    } else {
      out.disk.seed_peers.emplace(id, m.peer_urls);
    }
  }
  // The membership is replicated state: a founder applies its bootstrap conf changes, a
  // joiner the cluster's log from its start (or a snapshot). Starting a joiner from the
  // list its peers reported instead made its apply differ from theirs (a re-added member's
  // store index one behind, and raft skipping the founders' additions as "ID exists").
  out.disk.membership = Membership(membership.cluster_id());
  return out;
}

// `base` carries the snapshot's index and term (0 without one) and the configuration raft
// starts from; its data stays empty (the database is the state).
Result<void> rebuild_log(raft::MemoryStorage& storage, const raft::Snapshot& base,
                         const wal::Recovered& recovered, Index applied) {
  if (auto ok = storage.apply_snapshot(base); !ok) return ok.error();
  if (auto ok = storage.append(recovered.entries); !ok) return ok.error();
  if (storage.last_index() < applied) {
    return Error{"the WAL ends at index " + std::to_string(storage.last_index().value) +
                 " but the database has applied index " + std::to_string(applied.value) +
                 ": the WAL lost synced entries (damaged disk?)"};
  }
  raft::HardState hs = recovered.hard_state;
  // A commit-only hard state is written without fsync; what the database applied was
  // committed, so never resume with a smaller commit index.
  hs.commit = std::max(hs.commit, applied);
  storage.set_hard_state(hs);
  return Ok{};
}

// etcd's --force-new-cluster: drop the uncommitted tail and commit conf changes removing
// every other member; applying them (as any committed entries) shrinks raft, membership
// and database to this one member.
Result<void> force_new_cluster(Bootstrapped& b) {
  raft::MemoryStorage& storage = *b.disk.storage;
  raft::HardState hs = storage.initial_state().hard_state;
  std::vector<raft::Entry> entries;
  Index next = hs.commit + 1;
  auto add = [&](raft::ConfChangeType type, const Member& m) {
    raft::ConfChange cc{type, m.id, encode_context({0, m})};
    entries.push_back(raft::Entry{hs.term, next, raft::EntryType::conf_change, raft::encode(cc)});
    next = next + 1;
  };
  for (const auto& [id, m] : b.disk.membership.members()) {
    if (id != b.id) add(raft::ConfChangeType::remove_node, m);
  }
  if (const Member* self = b.disk.membership.find(b.id); self && self->is_learner) {
    add(raft::ConfChangeType::add_node, *self);
  }
  if (entries.empty()) return Ok{};
  hs.commit = entries.back().index;
  if (auto saved = b.disk.wal->save(hs, entries, true); !saved) return saved.error();
  if (auto appended = storage.append(entries); !appended) return appended.error();
  storage.set_hard_state(hs);
  spdlog::warn("--force-new-cluster: removing {} other member(s); this member now forms a "
               "one-member cluster",
               entries.size());
  return Ok{};
}

Result<Bootstrapped> restart(const BootstrapConfig& config, const wal::DataDir& dir) {
  auto store = open_store(dir);
  if (!store) return store.error();
  const Index applied = (*store)->applied_index();
  auto persisted = load_membership(**store);
  if (!persisted) return persisted.error();
  auto snapshotter = std::make_unique<wal::Snapshotter>(dir.snap_dir);
  auto newest = snapshotter->load_newest();
  if (!newest) return Error{"reading snapshots in " + dir.snap_dir + ": " + newest.error().message};
  std::optional<raft::Snapshot> snap = *newest;
  const Index from = snap ? snap->metadata.index : Index{0};
  if (from > applied) {
    return Error{"snapshot at index " + std::to_string(from.value) +
                 " is newer than the database (applied index " + std::to_string(applied.value) +
                 ")"};
  }
  auto opened = wal::Wal::open(dir.wal_dir, from,
                               wal::Options{.segment_bytes = config.wal_segment_bytes});
  if (!opened) return Error{"opening the WAL: " + opened.error().message};
  auto& [wal, recovered] = *opened;
  Bootstrapped out;
  out.id = recovered.identity.member_id;
  out.cluster_id = recovered.identity.cluster_id;
  out.how = "restart";
  // Raft resumes at the database's applied index, so its configuration must be the one
  // saved with that index — not the (older, or absent) snapshot's.
  raft::Snapshot base;
  if (snap) base.metadata = snap->metadata;
  if (!persisted->conf_state.voters.empty()) base.metadata.conf_state = persisted->conf_state;
  out.disk.storage = std::make_unique<raft::MemoryStorage>();
  if (auto ok = rebuild_log(*out.disk.storage, base, recovered, applied); !ok) return ok.error();
  // The marker: a peer told us (410) when raft could no longer reach us with the removal.
  if (persisted->membership.is_removed(out.id) || std::filesystem::exists(dir.removed_marker)) {
    return Error{"this member (" + id_to_hex(out.id.value) +
                 ") was removed from the cluster; its data dir cannot be reused"};
  }
  out.disk.conf_state = base.metadata.conf_state;
  out.disk.membership = std::move(persisted->membership);
  out.disk.membership.set_cluster_id(out.cluster_id);
  out.disk.wal = std::move(wal);
  out.disk.snapshotter = std::move(snapshotter);
  out.disk.store = std::move(store).value();
  if (config.force_new_cluster) {
    if (auto forced = force_new_cluster(out); !forced) {
      return Error{"--force-new-cluster: " + forced.error().message};
    }
  }
  return out;
}

}  // namespace

Result<Membership> initial_membership(const BootstrapConfig& config) {
  std::map<std::string, std::vector<std::string>> urls_by_name;
  for (const auto& [name, url] : config.initial_cluster) urls_by_name[name].push_back(url);
  if (urls_by_name.empty()) return Error{"--initial-cluster is empty"};
  std::vector<Member> members;
  std::vector<NodeId> ids;
  for (auto& [name, urls] : urls_by_name) {
    std::sort(urls.begin(), urls.end());
    const NodeId id = member_id(urls, config.cluster_token);
    members.push_back(Member{id, name, urls, {}, false});
    ids.push_back(id);
  }
  Membership ms(cluster_id(ids));
  for (auto& m : members) {
    if (auto added = ms.add(std::move(m)); !added) return added.error();
  }
  return ms;
}

Result<Bootstrapped> bootstrap(const BootstrapConfig& config, const FetchMembership& fetch) {
  const auto dir = wal::DataDir::layout(config.data_dir, config.wal_dir);
  if (auto created = dir.create(); !created) {
    return Error{"preparing data dir " + config.data_dir + ": " + created.error().message};
  }
  if (dir.state() == wal::DataDirState::existing) return restart(config, dir);
  if (config.join_existing) {
    std::vector<std::string> peers;
    for (const auto& [name, url] : config.initial_cluster) {
      if (std::find(config.advertise_peer_urls.begin(), config.advertise_peer_urls.end(), url) ==
          config.advertise_peer_urls.end()) {
        peers.push_back(url);
      }
    }
    // A peer that has not applied our addition yet answers without us: ask again (the
    // next peer first) for a few seconds before refusing.
    Result<Membership> remote = Error{"no peer URLs"};
    for (int attempt = 0; attempt < kJoinAttempts; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(kJoinRetryDelay);
      remote = fetch(peers);
      if (remote && find_self(*remote, config.advertise_peer_urls) != nullptr) break;
      if (!peers.empty()) std::rotate(peers.begin(), peers.begin() + 1, peers.end());
    }
    if (!remote) return Error{"cannot fetch cluster info from peer urls: " + remote.error().message};
    return start_fresh(config, dir, std::move(remote).value(), false, "join");
  }
  auto membership = initial_membership(config);
  if (!membership) return membership.error();
  return start_fresh(config, dir, std::move(membership).value(), true, "new");
}

}  // namespace etcd::server
