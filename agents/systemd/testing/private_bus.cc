#include "agents/systemd/testing/private_bus.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace corestack::systemd::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr int kAddressFd = 3;  // the daemon's --print-address descriptor

std::runtime_error os_error(const std::string& what) {
  return std::runtime_error("PrivateBus: " + what + ": " + std::strerror(errno));
}

int remaining_ms(SteadyClock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

bool socket_accepts(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw os_error("socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

bool PrivateBus::daemon_available() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(start, end - start) + "/dbus-daemon";
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

PrivateBus::PrivateBus() {
  // /tmp, not $TMPDIR: a UNIX socket path must fit in 108 bytes.
  char dir[] = "/tmp/corestack-bus-XXXXXX";
  if (::mkdtemp(dir) == nullptr) throw os_error("mkdtemp");
  directory_ = dir;
  socket_path_ = directory_ + "/bus";
  int fds[2];
  try {
    write_config();
    if (::pipe2(fds, O_CLOEXEC) != 0) throw os_error("pipe2");
    try {
      spawn(fds[1]);
    } catch (...) {
      ::close(fds[0]);
      ::close(fds[1]);
      throw;
    }
    ::close(fds[1]);
    try {
      wait_until_ready(fds[0]);
    } catch (...) {
      ::close(fds[0]);
      throw;
    }
    ::close(fds[0]);
  } catch (...) {
    stop();
    throw;
  }
}

PrivateBus::~PrivateBus() {
  stop();
}

void PrivateBus::write_config() const {
  std::ofstream out(directory_ + "/bus.conf");
  out << R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=)"
      << socket_path_ << R"(</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
)";
  out.close();
  if (!out) throw os_error("writing " + directory_ + "/bus.conf");
}

void PrivateBus::spawn(int address_fd) {
  // dup2 onto itself would keep O_CLOEXEC, so move the pipe off descriptor 3 first.
  int source = address_fd;
  if (source == kAddressFd) source = ::fcntl(address_fd, F_DUPFD_CLOEXEC, 10);
  if (source < 0) throw os_error("fcntl");
  const std::string config = "--config-file=" + directory_ + "/bus.conf";
  const std::string print = "--print-address=" + std::to_string(kAddressFd);
  std::vector<std::string> args = {"dbus-daemon", config,       "--nofork",
                                   "--nopidfile", "--nosyslog", print};
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  // Its stderr goes to a file (quoted in startup errors): as root without CAP_SYS_RESOURCE it
  // warns about the fd limit on every start.
  posix_spawn_file_actions_addopen(&actions, 2, log_path().c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, source, kAddressFd);
  const int r = ::posix_spawnp(&pid_, "dbus-daemon", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (source != address_fd) ::close(source);
  if (r != 0) {
    pid_ = -1;
    errno = r;
    throw os_error("starting dbus-daemon");
  }
}

void PrivateBus::wait_until_ready(int address_read_fd) {
  const auto deadline = SteadyClock::now() + kStartTimeout;
  std::string printed;
  while (printed.find('\n') == std::string::npos) {
    pollfd p{address_read_fd, POLLIN, 0};
    const int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw os_error("poll");
    if (n == 0) {
      throw std::runtime_error("PrivateBus: dbus-daemon printed no address in 10 s" + daemon_log());
    }
    char buf[512];
    const ssize_t got = ::read(address_read_fd, buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      int status = 0;
      const bool exited = ::waitpid(pid_, &status, WNOHANG) == pid_;
      if (exited) pid_ = -1;
      std::string how;
      if (exited && WIFEXITED(status))
        how = " (exit status " + std::to_string(WEXITSTATUS(status)) + ")";
      if (exited && WIFSIGNALED(status)) how = " (signal " + std::to_string(WTERMSIG(status)) + ")";
      throw std::runtime_error("PrivateBus: dbus-daemon exited before printing its address" + how +
                               daemon_log());
    }
    printed.append(buf, static_cast<size_t>(got));
  }
  address_ = printed.substr(0, printed.find('\n'));
  // The address is printed once listening; checking a connection costs little and guards
  // against a daemon that prints before accepting.
  while (!socket_accepts(socket_path_)) {
    if (SteadyClock::now() >= deadline) {
      throw std::runtime_error("PrivateBus: " + socket_path_ + " refuses connections" +
                               daemon_log());
    }
    ::poll(nullptr, 0, 10);
  }
}

std::string PrivateBus::log_path() const {
  return directory_ + "/daemon.log";
}

std::string PrivateBus::daemon_log() const {
  std::ifstream in(log_path());
  std::stringstream text;
  text << in.rdbuf();
  std::string said = text.str();
  while (!said.empty() && std::isspace(static_cast<unsigned char>(said.back())))
    said.pop_back();
  return said.empty() ? "" : "; dbus-daemon said: " + said;
}

void PrivateBus::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

}  // namespace corestack::systemd::testing
