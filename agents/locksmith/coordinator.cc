#include "agents/locksmith/coordinator.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace corestack::locksmith {
namespace {

std::runtime_error io_error(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

void write_all(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw io_error("cannot write", path);
    done += static_cast<size_t>(n);
  }
}

// Opens (creating) `path` and takes an exclusive lock without waiting.
int open_locked(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) throw io_error("cannot open", path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const bool held = errno == EWOULDBLOCK;
    ::close(fd);
    if (held) throw std::runtime_error("another update coordinator holds the lock on " + path);
    throw io_error("cannot lock", path);
  }
  return fd;
}

}  // namespace

Coordinator::Coordinator(std::string path, std::string strategy)
    : path_(std::move(path)), strategy_(std::move(strategy)) {
  const auto dir = std::filesystem::path(path_).parent_path();
  if (!dir.empty() && ::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    throw io_error("cannot create", dir.string());
  }
  fd_ = open_locked(path_, O_CREAT);
  set_state("starting");
}

Coordinator::~Coordinator() {
  if (fd_ >= 0) ::close(fd_);
}

std::string Coordinator::contents(std::string_view state) const {
  return "NAME=locksmithd\nSTRATEGY=" + strategy_ + "\nSTATE=" + std::string(state) + "\n";
}

void Coordinator::set_state(std::string_view state) {
  const std::string temp = path_ + ".tmp";
  int fd = open_locked(temp, O_CREAT | O_TRUNC);
  try {
    write_all(fd, contents(state), temp);
    if (::rename(temp.c_str(), path_.c_str()) != 0) throw io_error("cannot rename", temp);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd_);
  fd_ = fd;
}

}  // namespace corestack::locksmith
