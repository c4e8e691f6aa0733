#include "agents/flannel/dataplane/ip_masq.h"

#include <fcntl.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace corestack::flannel {
namespace {

// Bounds remove()'s loop: duplicates come from other tools or old flanneld bugs (#1337).
constexpr int kCopiesMax = 16;

std::string join(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& word : words)
    text += (text.empty() ? "" : " ") + word;
  return text;
}

// Runs argv to completion; its stdout and stderr together end up in `output`.
int run_command(const std::vector<std::string>& argv, std::string& output) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) < 0)
    throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(spawned));
  }
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) output.append(buffer, static_cast<size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

IpMasq::IpMasq(const Ip4Net& network, std::string iptables) : iptables_(std::move(iptables)) {
  const std::string net = network.network().to_string();
  rules_ = {
      {"-s", net, "-d", net, "-j", "RETURN"},
      {"-s", net, "!", "-d", "224.0.0.0/4", "-j", "MASQUERADE"},
      {"!", "-s", net, "-d", net, "-j", "MASQUERADE"},
  };
}

int IpMasq::run(const std::string& action, const std::vector<std::string>& rule,
                std::string& output) {
  std::vector<std::string> argv{iptables_, "-w", "-t", "nat", action, "POSTROUTING"};
  argv.insert(argv.end(), rule.begin(), rule.end());
  return run_command(argv, output);
}

// iptables -C exits 0 when the rule is there, 1 when it is not; anything else is an error.
bool IpMasq::exists(const std::vector<std::string>& rule) {
  std::string output;
  const int status = run("-C", rule, output);
  if (status == 0 || status == 1) return status == 0;
  throw std::runtime_error("iptables -t nat -C POSTROUTING " + join(rule) + ": exit " +
                           std::to_string(status) + ": " + output);
}

void IpMasq::ensure() {
  for (const auto& rule : rules_) {
    if (exists(rule)) continue;
    spdlog::info("Adding iptables rule: -t nat -A POSTROUTING {}", join(rule));
    std::string output;
    const int status = run("-A", rule, output);
    if (status != 0) {
      throw std::runtime_error("iptables -t nat -A POSTROUTING " + join(rule) + ": exit " +
                               std::to_string(status) + ": " + output);
    }
  }
}

bool IpMasq::remove() {
  bool all_removed = true;
  for (const auto& rule : rules_) {
    try {
      for (int copy = 0; copy < kCopiesMax && exists(rule); ++copy) {
        spdlog::info("Deleting iptables rule: -t nat -D POSTROUTING {}", join(rule));
        std::string output;
        if (run("-D", rule, output) != 0) throw std::runtime_error(output);
      }
    } catch (const std::exception& error) {
      spdlog::error("Failed to delete iptables rule {}: {}", join(rule), error.what());
      all_removed = false;
    }
  }
  return all_removed;
}

}  // namespace corestack::flannel
