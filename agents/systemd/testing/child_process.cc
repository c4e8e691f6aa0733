#include "agents/systemd/testing/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pthread.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace corestack::systemd::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::runtime_error os_error(const std::string& what) {
  return std::runtime_error("ChildProcess: " + what + ": " + std::strerror(errno));
}

int remaining_ms(SteadyClock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv, std::vector<std::string> extra_env) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e)
    env.emplace_back(*e);
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  int in[2];
  int out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) throw os_error("pipe2");
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    throw os_error("pipe2");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  auto args = pointers(argv);
  auto envp = pointers(env);
  const int r =
      ::posix_spawn(&pid_, argv.at(0).c_str(), &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  stdin_fd_ = in[1];
  stdout_fd_ = out[0];
  if (r != 0) {
    pid_ = -1;
    ::close(stdin_fd_);
    ::close(stdout_fd_);
    errno = r;
    throw os_error("starting " + argv.at(0));
  }
}

ChildProcess::~ChildProcess() {
  close_stdin();
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

void ChildProcess::write_line(const std::string& line) {
  const std::string data = line + "\n";
  size_t done = 0;
  while (done < data.size()) {
    // MSG_NOSIGNAL does not apply to pipes; a closed pipe must throw, not kill the test.
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    const ssize_t n = ::write(stdin_fd_, data.data() + done, data.size() - done);
    const int saved = errno;
    if (n < 0 && saved == EPIPE) {
      const timespec zero{};
      sigtimedwait(&block, nullptr, &zero);  // drop the pending SIGPIPE
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    errno = saved;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw os_error("writing to the child's stdin");
    done += static_cast<size_t>(n);
  }
}

void ChildProcess::close_stdin() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  stdin_fd_ = -1;
}

std::optional<std::string> ChildProcess::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    const auto newline = buffered_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffered_.substr(0, newline);
      buffered_.erase(0, newline + 1);
      return line;
    }
    if (stdout_closed_) return std::nullopt;
    pollfd p{stdout_fd_, POLLIN, 0};
    const int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw os_error("poll");
    if (n == 0) return std::nullopt;
    char buf[4096];
    const ssize_t got = ::read(stdout_fd_, buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw os_error("reading the child's stdout");
    if (got == 0) stdout_closed_ = true;
    buffered_.append(buf, static_cast<size_t>(got > 0 ? got : 0));
  }
}

bool ChildProcess::wait_for_line(const std::string& line, std::chrono::milliseconds timeout,
                                 std::vector<std::string>* skipped) {
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
    auto got = read_line(std::max(left, std::chrono::milliseconds(0)));
    if (!got) return false;
    if (*got == line) return true;
    if (skipped != nullptr) skipped->push_back(*got);
  }
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    if (pid_ <= 0) return std::nullopt;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return status;
    }
    if (r < 0 && errno != EINTR) throw os_error("waitpid");
    if (SteadyClock::now() >= deadline) return std::nullopt;
    ::poll(nullptr, 0, 10);  // no pidfd on every kernel we run on; a short poll interval
  }
}

}  // namespace corestack::systemd::testing
