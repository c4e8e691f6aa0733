#include "agents/systemd/testing/fake_systemd_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace corestack::systemd::testing::fake_systemd {
namespace {

// What the child needs, all prepared before fork(): afterwards it may only make
// async-signal-safe calls.
struct ChildSetup {
  const char* program;
  char* const* argv;
  char* const* environment;
  const char* working_directory;
  bool working_directory_optional;
  int stdin_fd;
  int log_fd;  // -1: our stderr; -2: opening the log failed
  pid_t parent;
};

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::string find_program(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  std::istringstream dirs(kDefaultPath);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = dir + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return program;  // execve fails: exit 203, as systemd's "Failed to locate executable"
}

[[noreturn]] void run_child(const ChildSetup& s) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != s.parent) ::_exit(1);  // the fake died before prctl took effect
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig)
    ::signal(sig, SIG_DFL);  // SIGPIPE is ignored in the fake; exec keeps ignored signals
  ::dup2(s.stdin_fd, 0);
  if (s.log_fd == -2) ::_exit(kExitStdout);
  ::dup2(s.log_fd >= 0 ? s.log_fd : 2, 1);  // never our stdout: that is the control channel
  if (s.log_fd >= 0) ::dup2(s.log_fd, 2);
  ::close_range(3, UINT_MAX, 0);
  if (::chdir(s.working_directory) != 0 && !s.working_directory_optional) ::_exit(kExitChdir);
  ::execve(s.program, s.argv, s.environment);
  ::_exit(kExitExec);
}

}  // namespace

pid_t spawn(const ProcessSpec& spec) {
  const std::string program = find_program(spec.program);
  std::vector<std::string> argv = spec.argv;
  std::vector<std::string> environment = spec.environment;
  auto argv_pointers = pointers(argv);
  auto environment_pointers = pointers(environment);
  const int stdin_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int log_fd = -1;
  if (!spec.log_path.empty()) {
    log_fd = ::open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) log_fd = -2;
  }
  const ChildSetup setup{program.c_str(),
                         argv_pointers.data(),
                         environment_pointers.data(),
                         spec.working_directory.empty() ? "/" : spec.working_directory.c_str(),
                         spec.working_directory_optional,
                         stdin_fd,
                         log_fd,
                         ::getpid()};
  const pid_t pid = ::fork();
  if (pid == 0) run_child(setup);
  const int fork_errno = errno;
  // Both sides set the group, so signal_group() reaches the child even before it runs.
  if (pid > 0) ::setpgid(pid, pid);
  if (stdin_fd >= 0) ::close(stdin_fd);
  if (log_fd >= 0) ::close(log_fd);
  if (pid < 0) throw std::system_error(fork_errno, std::generic_category(), "fork");
  return pid;
}

void signal_group(pid_t leader, int signal) {
  if (leader > 0) ::kill(-leader, signal);  // ESRCH: the group is already empty
}

std::string describe_wait_status(int wait_status) {
  if (WIFEXITED(wait_status)) return std::to_string(WEXITSTATUS(wait_status));
  const int sig = WTERMSIG(wait_status);
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "SIG" + std::to_string(sig);
}

void become_subreaper() {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
}

std::vector<pid_t> list_children() {
  std::vector<pid_t> out;
  const pid_t self = ::getpid();
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return out;
  while (const dirent* entry = ::readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0) continue;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');  // the command name may contain spaces and ')'
    if (close == std::string::npos) continue;
    std::istringstream fields(line.substr(close + 1));
    std::string state;
    pid_t ppid = 0;
    if (fields >> state >> ppid && ppid == self) out.push_back(pid);
  }
  ::closedir(proc);
  return out;
}

}  // namespace corestack::systemd::testing::fake_systemd
