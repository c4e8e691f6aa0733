#include "etcd/wal/data_dir.h"

#include <sys/stat.h>

#include <spdlog/spdlog.h>

#include "etcd/wal/file_io.h"
#include "etcd/wal/wal.h"

namespace etcd::wal {
namespace {

void warn_if_shared(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return;
  if ((st.st_mode & 077) != 0) {
    spdlog::warn("wal: {} has permissions {:o}; a member's data should be owner-only (0700)", dir,
                 st.st_mode & 0777);
  }
}

}  // namespace

DataDir DataDir::layout(const std::string& data_dir, const std::string& wal_dir) {
  DataDir out;
  out.data_dir = data_dir;
  out.member_dir = join_path(data_dir, "member");
  out.wal_dir = wal_dir.empty() ? join_path(out.member_dir, "wal") : wal_dir;
  out.snap_dir = join_path(out.member_dir, "snap");
  out.db_path = join_path(out.member_dir, "db");
  out.removed_marker = join_path(out.member_dir, "removed");
  return out;
}

Result<void> DataDir::create() const {
  for (const std::string* dir : {&member_dir, &snap_dir, &wal_dir}) {
    if (Result<void> made = make_dirs(*dir, 0700); !made) return made;
    warn_if_shared(*dir);
  }
  return Ok{};
}

DataDirState DataDir::state() const {
  return Wal::exists(wal_dir) ? DataDirState::existing : DataDirState::fresh;
}

}  // namespace etcd::wal
