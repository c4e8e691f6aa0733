#include "etcd/wal/file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "etcd/wal/types.h"

namespace etcd::wal {

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

int FileDescriptor::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

Error io_error(std::string_view what, const std::string& path, int err) {
  return Error{fmt::format("{} {}: {}", what, path, std::strerror(err)), kErrIo};
}

Result<FileDescriptor> open_file(const std::string& path, int flags, unsigned mode) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return io_error("open", path, errno);
  return FileDescriptor(fd);
}

Result<std::string> read_file(const std::string& path) {
  Result<FileDescriptor> fd = open_file(path, O_RDONLY);
  if (!fd) return fd.error();
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) return io_error("stat", path, errno);
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n =
        ::pread(fd->get(), bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("read", path, errno);
    if (n == 0) break;  // shrank while reading; keep what is there
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

Result<void> write_at(int fd, const std::string& path, std::string_view bytes, uint64_t offset) {
  while (!bytes.empty()) {
    const ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("write", path, errno);
    bytes.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return Ok{};
}

Result<void> sync_data(int fd, const std::string& path) {
  if (::fdatasync(fd) != 0) return io_error("fdatasync", path, errno);
  return Ok{};
}

Result<void> sync_dir(const std::string& dir) {
  Result<FileDescriptor> fd = open_file(dir, O_RDONLY | O_DIRECTORY);
  if (!fd) return fd.error();
  if (::fsync(fd->get()) != 0) return io_error("fsync directory", dir, errno);
  return Ok{};
}

Result<void> preallocate(int fd, const std::string& path, uint64_t size_bytes) {
  // posix_fallocate returns the error instead of setting errno.
  const int err = ::posix_fallocate(fd, 0, static_cast<off_t>(size_bytes));
  if (err != 0) return io_error("preallocate", path, err);
  return Ok{};
}

Result<void> truncate_file(int fd, const std::string& path, uint64_t size_bytes) {
  if (::ftruncate(fd, static_cast<off_t>(size_bytes)) != 0) {
    return io_error("truncate", path, errno);
  }
  return Ok{};
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

namespace {

std::string parent_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Result<void> rename_durably(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return io_error("rename to " + to, from, errno);
  return sync_dir(parent_of(to));
}

Result<void> remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return io_error("remove", path, errno);
  return Ok{};
}

Result<void> make_dirs(const std::string& dir, unsigned mode) {
  std::string trimmed = dir;
  while (trimmed.size() > 1 && trimmed.back() == '/')
    trimmed.pop_back();
  struct stat st {};
  if (::stat(trimmed.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Ok{};
    return Error{fmt::format("{} exists and is not a directory", trimmed), kErrIo};
  }
  const std::string parent = parent_of(trimmed);
  if (parent != trimmed) {
    Result<void> made = make_dirs(parent, mode);
    if (!made) return made;
  }
  if (::mkdir(trimmed.c_str(), mode) != 0 && errno != EEXIST) {
    return io_error("mkdir", trimmed, errno);
  }
  return sync_dir(parent);
}

Result<std::vector<std::string>> list_dir(const std::string& dir) {
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return io_error("list", dir, errno);
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(handle)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(handle);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace etcd::wal
