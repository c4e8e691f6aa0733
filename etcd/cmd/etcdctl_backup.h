// backup: an offline copy of an etcd2 data dir that `etcd2 --force-new-cluster
// --data-dir <backup-dir>` restores as a one-member cluster (what etcdctl 2.3's backup
// does for etcd's own format). The copy is consistent at the database's applied index A:
//   member/db    the SQLite store image (keys, history, applied index A) with the
//                membership and raft ConfState rewritten: the source member's ID replaced
//                by a NEW member ID (same name and peer URLs, a voter), under a NEW
//                cluster ID — so the copy can never rejoin or be mistaken for the old
//                cluster, and --force-new-cluster finds itself a voter and removes the
//                other members by committed conf changes;
//   member/snap  a metadata-only snapshot at (A, term of A) with that ConfState;
//   member/wal   a new WAL with the new identity: a snapshot marker at A, then the source
//                WAL's entries after A (committed ones are applied on restore, the rest
//                are dropped by --force-new-cluster) with the member ID rewritten in conf
//                changes and publish entries, and the hard state.
// Reads the source without changing it (no WAL lock, no torn-tail repair), so it also
// works on a stopped member's dir; the destination WAL directory must not hold a WAL.
// Uses etcd/wal, etcd/store and etcd/server's persisted state; single-threaded.
#pragma once

#include <cstdint>
#include <string>

#include "etcd/common/ids.h"
#include "etcd/common/result.h"

namespace etcd::cmd::ctl {

struct BackupOptions {
  std::string data_dir;
  std::string wal_dir;  // empty: <data-dir>/member/wal
  std::string backup_dir;
  std::string backup_wal_dir;  // empty: <backup-dir>/member/wal
  // The new identity; 0 = random (etcd uses a time-seeded generator).
  uint64_t new_member_id = 0;
  uint64_t new_cluster_id = 0;
};

struct BackupReport {
  Index applied_index;
  Term applied_term;
  size_t tail_entries = 0;  // WAL entries after the applied index that were copied
  NodeId old_member_id;
  NodeId new_member_id;
  uint64_t new_cluster_id = 0;
};

Result<BackupReport> backup_data_dir(const BackupOptions& options);

}  // namespace etcd::cmd::ctl
