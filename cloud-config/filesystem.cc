#include "cloud-config/filesystem.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace corestack::cloudinit {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& what, const std::string& path, int error) {
  throw std::runtime_error(what + " " + path + ": " + std::strerror(error));
}

std::string mode_text(mode_t mode) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%04o", static_cast<unsigned>(mode & 07777));
  return buffer;
}

uid_t lookup_user(const std::string& name) {
  if (name.empty()) return static_cast<uid_t>(-1);
  if (name.find_first_not_of("0123456789") == std::string::npos) return std::stoul(name);
  const passwd* pw = ::getpwnam(name.c_str());
  if (pw == nullptr) throw std::runtime_error("unknown user " + name);
  return pw->pw_uid;
}

gid_t lookup_group(const std::string& name) {
  if (name.empty()) return static_cast<gid_t>(-1);
  if (name.find_first_not_of("0123456789") == std::string::npos) return std::stoul(name);
  const group* gr = ::getgrnam(name.c_str());
  if (gr == nullptr) throw std::runtime_error("unknown group " + name);
  return gr->gr_gid;
}

void write_all(int fd, const std::string& content, const std::string& path) {
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("writing", path, errno);
    done += static_cast<size_t>(n);
  }
}

}  // namespace

void write_file_atomically(const std::string& host_path, const std::string& content, mode_t mode,
                           uid_t uid, gid_t gid) {
  const fs::path target(host_path);
  std::string temp = (target.parent_path() / ("." + target.filename().string() + ".XXXXXX"));
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) fail("creating a temporary file for", host_path, errno);
  try {
    write_all(fd, content, host_path);
    if (::fchmod(fd, mode) != 0) fail("chmod", temp, errno);
    if ((uid != static_cast<uid_t>(-1) || gid != static_cast<gid_t>(-1)) &&
        ::fchown(fd, uid, gid) != 0) {
      fail("chown", temp, errno);
    }
    if (::fsync(fd) != 0) fail("fsync", temp, errno);
    if (::close(fd) != 0) fail("closing", temp, errno);
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  if (::rename(temp.c_str(), host_path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    fail("renaming into place", host_path, error);
  }
}

Filesystem::Filesystem(std::string root, ActionLog& log) : root_(std::move(root)), log_(log) {
  while (!root_.empty() && root_.back() == '/')
    root_.pop_back();
}

std::string Filesystem::host_path(const std::string& path) const {
  // A ".." would lead out of a --root directory; no legitimate config path has one.
  for (const auto& part : fs::path(path))
    if (part == "..") throw std::runtime_error("path " + path + " contains \"..\"");
  return root_ + (path.empty() || path[0] != '/' ? "/" : "") + path;
}

std::optional<std::string> Filesystem::read(const std::string& path) const {
  std::ifstream in(host_path(path), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

bool Filesystem::exists(const std::string& path) const {
  struct stat st {};
  return ::lstat(host_path(path).c_str(), &st) == 0;
}

void Filesystem::make_parents(const std::string& host_file) const {
  const fs::path parent = fs::path(host_file).parent_path();
  std::error_code error;
  fs::create_directories(parent, error);
  if (error) throw std::runtime_error("creating " + parent.string() + ": " + error.message());
  // create_directories uses the umask; the reference makes parents 0755 (only the ones it
  // may have created are below the root we own, so chmod what exists is not attempted).
}

void Filesystem::check_owner(const std::string& owner) const {
  if (owner.empty() || !is_host_root()) return;
  const auto colon = owner.find(':');
  lookup_user(owner.substr(0, colon));
  if (colon != std::string::npos) lookup_group(owner.substr(colon + 1));
}

void Filesystem::write_file(const std::string& path, const std::string& content, mode_t mode,
                            const std::string& owner) {
  const std::string target = host_path(path);
  log_.add("write " + path + " " + mode_text(mode) + (owner.empty() ? "" : " " + owner));
  make_parents(target);
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  if (!owner.empty() && is_host_root()) {
    const auto colon = owner.find(':');
    uid = lookup_user(owner.substr(0, colon));
    if (colon != std::string::npos) gid = lookup_group(owner.substr(colon + 1));
  }
  write_file_atomically(target, content, mode, uid, gid);
}

void Filesystem::mask(const std::string& path) {
  const std::string target = host_path(path);
  log_.add("mask " + path);
  make_parents(target);
  std::string link = target + ".cloudinit-mask";
  ::unlink(link.c_str());
  if (::symlink("/dev/null", link.c_str()) != 0) fail("symlink", link, errno);
  if (::rename(link.c_str(), target.c_str()) != 0) {
    const int error = errno;
    ::unlink(link.c_str());
    fail("masking", target, error);
  }
}

bool Filesystem::unmask(const std::string& path) {
  const std::string target = host_path(path);
  struct stat st {};
  if (::lstat(target.c_str(), &st) != 0) return false;
  bool masked = false;
  if (S_ISLNK(st.st_mode)) {
    std::error_code error;
    masked = fs::read_symlink(target, error) == "/dev/null";
  } else if (S_ISREG(st.st_mode)) {
    masked = st.st_size == 0;
  }
  if (!masked) return false;  // a real unit file: the reference refuses to unmask it
  log_.add("unmask " + path);
  if (::unlink(target.c_str()) != 0) fail("unmasking", target, errno);
  return true;
}

}  // namespace corestack::cloudinit
