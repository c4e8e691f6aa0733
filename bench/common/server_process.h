// ServerProcess: one server child of the benchmark (an etcd2 or etcd member). It is
// started with stdout and stderr appended to a log file, dies with the benchmark
// (PR_SET_PDEATHSIG), and is registered so that Ctrl-C, SIGTERM, a crash of the
// benchmark's main path or a normal exit kill every child still running.
//
// Thread: start and stop from the main thread only (PDEATHSIG follows the forking thread).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace bench {

class ServerProcess {
 public:
  // Forks and execs argv[0] (searched in PATH); nullptr with `error` set when fork fails.
  static std::unique_ptr<ServerProcess> start(const std::vector<std::string>& argv,
                                              const std::string& log_path, std::string* error);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  pid_t pid() const { return pid_; }
  // False once the process has exited (it is then reaped).
  bool running();
  // SIGTERM, up to `grace` for it to exit, then SIGKILL; always reaps.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  explicit ServerProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_;
  bool reaped_ = false;
};

// Installs SIGINT/SIGTERM/SIGHUP handlers and an atexit hook that SIGKILL every registered
// child. Call once, early in main().
void install_child_cleanup();

}  // namespace bench
