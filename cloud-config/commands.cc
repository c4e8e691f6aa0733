#include "cloud-config/commands.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace corestack::cloudinit {
namespace {

// Shell-style, so an argument with spaces or `$` reads unambiguously in the log.
std::string quote_arg(const std::string& arg) {
  const bool plain = !arg.empty() && arg.find_first_not_of(
                                         "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                         "0123456789_./:=,@+-") == std::string::npos;
  if (plain) return arg;
  std::string out = "'";
  for (char c : arg)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv)
    out += (out.empty() ? "" : " ") + quote_arg(a);
  return out;
}

void feed(int fd, const std::string& input) {
  size_t done = 0;
  while (done < input.size()) {
    const ssize_t n = ::write(fd, input.data() + done, input.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;  // the child stopped reading; its exit status tells
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}

}  // namespace

void record_command(ActionLog& log, const std::vector<std::string>& argv,
                    const std::string& input) {
  log.add("exec " + join(argv));
  std::istringstream in(input);
  std::string line;
  while (std::getline(in, line))
    log.add("  | " + line);
}

void ProcessRunner::run(const std::vector<std::string>& argv, const std::string& input) {
  record_command(log_, argv, input);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    ::dup2(pipe_fds[0], STDIN_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  ::close(pipe_fds[0]);
  // A child that exits early must not kill us with SIGPIPE.
  auto old = std::signal(SIGPIPE, SIG_IGN);
  feed(pipe_fds[1], input);
  std::signal(SIGPIPE, old);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("`" + join(argv) + "` failed (" +
                             (WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                                : "signal " + std::to_string(WTERMSIG(status))) +
                             ")");
  }
}

}  // namespace corestack::cloudinit
