#include "etcd/cmd/etcdctl_backup.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>

#include "etcd/cmd/etcdctl_commands.h"
#include "etcd/cmd/etcdctl_output.h"
#include "etcd/raft/codec.h"
#include "etcd/server/payload.h"
#include "etcd/server/persisted_state.h"
#include "etcd/store/store.h"
#include "etcd/wal/data_dir.h"
#include "etcd/wal/recovery.h"
#include "etcd/wal/snapshotter.h"
#include "etcd/wal/wal.h"

namespace etcd::cmd::ctl {
namespace {

// What the source data dir holds at the database's applied index.
struct Source {
  std::string image;  // SQLite image of the store
  Index applied;
  std::optional<raft::SnapshotMetadata> snapshot;  // newest readable snapshot file
  wal::Recovered recovered;                         // WAL after the snapshot
};

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// Snapshotter::load_newest without its side effect (it renames broken files).
Result<std::optional<raft::SnapshotMetadata>> newest_snapshot(const std::string& dir) {
  if (!exists(dir)) return std::optional<raft::SnapshotMetadata>{};
  wal::Snapshotter snapshotter(dir);
  auto names = snapshotter.list();
  if (!names) return names.error();
  for (auto it = names->rbegin(); it != names->rend(); ++it) {
    std::ifstream file(dir + "/" + *it, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (auto snap = wal::Snapshotter::decode(bytes)) return std::optional(snap->metadata);
  }
  return std::optional<raft::SnapshotMetadata>{};
}

Result<Source> read_source(const wal::DataDir& dir) {
  if (!wal::Wal::exists(dir.wal_dir)) return Error{"no WAL in " + dir.wal_dir};
  if (!exists(dir.db_path)) return Error{"no database at " + dir.db_path};
  auto store = store::Store::open(dir.db_path);
  if (!store) return Error{"opening " + dir.db_path + ": " + store.error().message};
  Source src;
  src.image = (*store)->save_snapshot();
  src.applied = (*store)->applied_index();
  auto snap = newest_snapshot(dir.snap_dir);
  if (!snap) return Error{"reading snapshots in " + dir.snap_dir + ": " + snap.error().message};
  src.snapshot = *snap;
  const Index from = src.snapshot ? src.snapshot->index : Index{0};
  if (from > src.applied) return Error{"the newest snapshot is newer than the database"};
  auto recovered = wal::recover_dir(dir.wal_dir, from, std::nullopt);
  if (!recovered) return Error{"reading the WAL in " + dir.wal_dir + ": " + recovered.error().message};
  src.recovered = std::move(recovered->recovered);
  return src;
}

Result<Term> term_at(const Source& src, Index index) {
  if (index == Index{0}) return Term{0};
  if (src.snapshot && src.snapshot->index == index) return src.snapshot->term;
  for (const auto& e : src.recovered.entries) {
    if (e.index == index) return e.term;
  }
  return Error{"the WAL does not hold the entry at the applied index " +
               std::to_string(index.value)};
}

// The new member takes the old one's place: same name and URLs, a voter.
raft::ConfState rewrite_conf_state(const server::Membership& ms, raft::ConfState cs, NodeId from,
                                   NodeId to) {
  if (cs.voters.empty()) {  // nothing persisted yet: derive it from the membership
    for (const auto& [id, m] : ms.members()) (m.is_learner ? cs.learners : cs.voters).push_back(id);
  }
  for (auto* list : {&cs.voters, &cs.learners}) {
    list->erase(std::remove_if(list->begin(), list->end(),
                               [&](NodeId id) { return id == from || id == to; }),
                list->end());
  }
  cs.voters.push_back(to);
  std::sort(cs.voters.begin(), cs.voters.end());
  return cs;
}

Result<raft::ConfState> rewrite_membership(store::Store& store, NodeId from, NodeId to,
                                           uint64_t cluster_id) {
  auto persisted = server::load_membership(store);
  if (!persisted) return persisted.error();
  server::Membership ms = persisted->membership;
  server::Member self{to, "", {}, {}, false};
  if (const server::Member* old = ms.find(from)) {
    self = *old;
    self.id = to;
    self.is_learner = false;
    (void)ms.remove(from);
  }
  if (auto added = ms.add(self); !added) return added.error();
  ms.set_cluster_id(cluster_id);
  raft::ConfState cs = rewrite_conf_state(ms, persisted->conf_state, from, to);
  store.begin_batch();
  server::save_membership(store, ms, cs);
  store.commit_batch(store.applied_index());
  store.make_durable();
  return cs;
}

// Conf changes and publish entries name members by ID: the old self becomes the new one.
raft::Entry rewrite_entry(raft::Entry e, NodeId from, NodeId to) {
  if (e.type == raft::EntryType::conf_change) {
    auto cc = raft::decode_conf_change(e.data);
    if (!cc) return e;
    if (cc->node_id == from) cc->node_id = to;
    if (auto context = server::decode_context(cc->context); context && context->member.id == from) {
      context->member.id = to;
      cc->context = server::encode_context(*context);
    }
    e.data = raft::encode(*cc);
  } else if (!e.data.empty()) {
    auto payload = server::decode_payload(e.data);
    if (!payload) return e;
    auto* publish = std::get_if<server::PublishAttributes>(&*payload);
    if (publish != nullptr && publish->member_id == from) {
      publish->member_id = to;
      e.data = server::encode_payload(*payload);
    }
  }
  return e;
}

Result<size_t> write_wal(const wal::DataDir& dst, const Source& src, const wal::Identity& identity,
                         Term applied_term) {
  auto wal = wal::Wal::create(dst.wal_dir, identity, wal::Options{});
  if (!wal) return Error{"creating the WAL in " + dst.wal_dir + ": " + wal.error().message};
  if (src.applied > Index{0}) {
    if (auto marked = (*wal)->save_snapshot_marker({src.applied, applied_term}); !marked) {
      return marked.error();
    }
  }
  const NodeId old_id = src.recovered.identity.member_id;
  std::vector<raft::Entry> tail;
  for (const auto& e : src.recovered.entries) {
    if (e.index > src.applied) tail.push_back(rewrite_entry(e, old_id, identity.member_id));
  }
  raft::HardState hs = src.recovered.hard_state;
  if (hs.vote == old_id) hs.vote = identity.member_id;
  hs.commit = std::max(hs.commit, src.applied);
  if (hs.term < applied_term) hs.term = applied_term;
  if (auto saved = (*wal)->save(hs, tail, true); !saved) return saved.error();
  return tail.size();
}

uint64_t random_id() {
  std::random_device device;
  std::mt19937_64 rng((uint64_t{device()} << 32) ^ device());
  uint64_t id = 0;
  while (id == 0) id = rng();
  return id;
}

}  // namespace

Result<BackupReport> backup_data_dir(const BackupOptions& options) {
  const auto src_dir = wal::DataDir::layout(options.data_dir, options.wal_dir);
  const auto dst_dir = wal::DataDir::layout(options.backup_dir, options.backup_wal_dir);
  if (wal::Wal::exists(dst_dir.wal_dir)) return Error{"wal: " + dst_dir.wal_dir + " already holds a WAL"};
  auto src = read_source(src_dir);
  if (!src) return src.error();
  auto term = term_at(*src, src->applied);
  if (!term) return term.error();
  BackupReport report{src->applied, *term, 0, src->recovered.identity.member_id,
                      NodeId{options.new_member_id ? options.new_member_id : random_id()},
                      options.new_cluster_id ? options.new_cluster_id : random_id()};
  if (auto created = dst_dir.create(); !created) return created.error();
  auto store = store::Store::open(dst_dir.db_path);
  if (!store) return Error{"creating " + dst_dir.db_path + ": " + store.error().message};
  if (auto restored = (*store)->restore_snapshot(src->image); !restored) return restored.error();
  auto conf_state = rewrite_membership(**store, report.old_member_id, report.new_member_id,
                                       report.new_cluster_id);
  if (!conf_state) return conf_state.error();
  if (src->applied > Index{0}) {
    const raft::Snapshot snap{raft::SnapshotMetadata{src->applied, *term, *conf_state}, ""};
    if (auto saved = wal::Snapshotter(dst_dir.snap_dir).save(snap); !saved) return saved.error();
  }
  auto written = write_wal(dst_dir, *src, {report.new_member_id, report.new_cluster_id}, *term);
  if (!written) return written.error();
  report.tail_entries = *written;
  return report;
}

int cmd_backup(Session& s, const ParsedArgs& a) {
  BackupOptions options{a.text("data-dir"), a.text("wal-dir"), a.text("backup-dir"),
                        a.text("backup-wal-dir")};
  if (options.data_dir.empty() || options.backup_dir.empty()) {
    return report_error(s.err, kExitBadArgs, "backup needs --data-dir and --backup-dir");
  }
  auto report = backup_data_dir(options);
  if (!report) return report_error(s.err, kExitBadArgs, report.error().message);
  s.err << "backup: copied " << options.data_dir << " at applied index " << report->applied_index
        << " (+" << report->tail_entries << " WAL entries) to " << options.backup_dir
        << " as member " << std::hex << report->new_member_id.value << " of cluster "
        << report->new_cluster_id << std::dec << "; restore with: etcd2 --force-new-cluster "
        << "--data-dir " << options.backup_dir << "\n";
  return kExitSuccess;
}

}  // namespace etcd::cmd::ctl
