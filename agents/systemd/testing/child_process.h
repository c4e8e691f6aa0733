// ChildProcess: runs a test helper (e.g. fake_host_services) with its stdin and stdout on
// pipes, so a test can send it command lines and wait for its output lines, each wait
// bounded by a deadline. stderr is inherited (it lands in the test's log). The destructor
// closes stdin, kills the child (SIGKILL) and reaps it.
// Threading: one thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace corestack::systemd::testing {

class ChildProcess {
 public:
  // argv[0] is a path. `extra_env` ("KEY=value") is added to this process' environment.
  // Throws std::runtime_error when the program cannot be started.
  explicit ChildProcess(std::vector<std::string> argv, std::vector<std::string> extra_env = {});
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  // Writes `line` and a newline to the child's stdin. Throws if the child closed it.
  void write_line(const std::string& line);
  void close_stdin();
  // The next stdout line (without its newline); nullopt after `timeout` or at end of output.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // Reads lines until one equals `line` (true), or `timeout` passes or output ends (false).
  // Lines read on the way are appended to `skipped` when given.
  bool wait_for_line(const std::string& line, std::chrono::milliseconds timeout,
                     std::vector<std::string>* skipped = nullptr);
  // The exit status (as from waitpid) once the child exits within `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string buffered_;  // stdout read but not yet returned as a line
  bool stdout_closed_ = false;
};

}  // namespace corestack::systemd::testing
