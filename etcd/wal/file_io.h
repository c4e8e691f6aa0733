// The few POSIX file operations the WAL and the snapshotter need, each returning a
// Result whose error names the path and carries errno's text (code kErrIo). Owns no
// policy: callers decide what to sync and when. Never retries a failed fsync (its
// outcome is unknown, and the page cache may already have dropped the dirty data).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "etcd/common/result.h"

namespace etcd::wal {

// An owned file descriptor, closed on destruction.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.release()) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();

 private:
  int fd_ = -1;
};

// An Error with code kErrIo: "<what> <path>: <strerror(err)>".
Error io_error(std::string_view what, const std::string& path, int err);

Result<FileDescriptor> open_file(const std::string& path, int flags, unsigned mode = 0600);
Result<std::string> read_file(const std::string& path);
// Writes all of `bytes` at `offset` (retrying short writes and EINTR).
Result<void> write_at(int fd, const std::string& path, std::string_view bytes, uint64_t offset);
Result<void> sync_data(int fd, const std::string& path);  // fdatasync
// fsync of a directory, so entries created, renamed or removed in it are durable.
Result<void> sync_dir(const std::string& dir);
// Reserves [0, size_bytes) so appends never allocate; unreserved bytes read as zeros.
Result<void> preallocate(int fd, const std::string& path, uint64_t size_bytes);
Result<void> truncate_file(int fd, const std::string& path, uint64_t size_bytes);
// rename(2) then sync_dir of the target's directory.
Result<void> rename_durably(const std::string& from, const std::string& to);
// unlink(2) without syncing the directory (callers batch removals, then sync_dir).
Result<void> remove_file(const std::string& path);
// Creates `dir` and missing parents with `mode`; syncs each parent it changed.
Result<void> make_dirs(const std::string& dir, unsigned mode = 0700);
// Names (not paths) of the entries of `dir`, sorted.
Result<std::vector<std::string>> list_dir(const std::string& dir);

std::string join_path(const std::string& dir, const std::string& name);

}  // namespace etcd::wal
