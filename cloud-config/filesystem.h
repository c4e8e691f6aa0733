// Filesystem: the host's files, all below a root directory ("/" normally, the --root DIR
// otherwise). Every write goes to a temporary file in the target directory (mode and owner
// set on it) and is renamed into place, so a file is never seen half-written. Parent
// directories are created 0755. Ownership is only applied when the root is "/" (a --root run
// by an unprivileged user records it instead). Failures throw std::runtime_error naming the
// path. Each change is recorded in the ActionLog.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "cloud-config/action_log.h"

namespace corestack::cloudinit {

class Filesystem {
 public:
  Filesystem(std::string root, ActionLog& log);

  bool is_host_root() const { return root_.empty(); }
  // `path` (absolute, as the config names it) below the root. Throws for a path with a ".."
  // component.
  std::string host_path(const std::string& path) const;

  std::optional<std::string> read(const std::string& path) const;
  bool exists(const std::string& path) const;

  // `owner` "user", "user:group" or numeric ids; "" leaves the owner alone.
  void write_file(const std::string& path, const std::string& content, mode_t mode,
                  const std::string& owner = "");
  // Throws when `owner` names a user or group this host does not have (only checked when the
  // root is "/", where ownership is applied).
  void check_owner(const std::string& owner) const;
  // Replaces whatever is at `path` with a symlink to /dev/null.
  void mask(const std::string& path);
  // Removes `path` if it is a symlink to /dev/null or an empty file; false otherwise.
  bool unmask(const std::string& path);

 private:
  void make_parents(const std::string& host_file) const;

  std::string root_;  // "" for "/"
  ActionLog& log_;
};

// Atomically writes a file at a host path (no root, no log): temp file + fsync + rename.
void write_file_atomically(const std::string& host_path, const std::string& content, mode_t mode,
                           uid_t uid = static_cast<uid_t>(-1), gid_t gid = static_cast<gid_t>(-1));

}  // namespace corestack::cloudinit
