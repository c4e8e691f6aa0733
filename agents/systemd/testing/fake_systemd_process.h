// Running a unit's command the way systemd's exec helper does, roughly (systemd.exec(5)):
// a fresh environment, "/" as working directory unless told otherwise, stdin from
// /dev/null, stdout and stderr to a log, and a process group standing in for the unit's
// cgroup so that stopping the unit reaches everything it forked. Setup failures end the
// child with systemd's exit codes (200 CHDIR, 203 EXEC, 209 STDOUT), so a unit with a
// missing binary fails as it would under systemd.
//
// One thread; spawn() forks, so call it from the thread that owns the children.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace corestack::systemd::testing::fake_systemd {

// The PATH systemd gives services and searches for a bare ExecStart= program.
inline constexpr const char* kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

inline constexpr int kExitChdir = 200;
inline constexpr int kExitExec = 203;
inline constexpr int kExitStdout = 209;

struct ProcessSpec {
  std::string program;                   // searched in kDefaultPath when it has no '/'
  std::vector<std::string> argv;         // argv[0] is what the program sees as its name
  std::vector<std::string> environment;  // the child's whole environment, "KEY=value"
  std::string working_directory;         // empty: "/"
  bool working_directory_optional = false;
  std::string log_path;  // stdout and stderr appended here; empty: this process' stderr
};

// Forks and execs `spec`. The child leads a new process group, gets SIGKILL when this
// process dies (PR_SET_PDEATHSIG), starts with no blocked or ignored signals and no file
// descriptors beyond 0-2. Throws std::system_error when fork() fails.
pid_t spawn(const ProcessSpec& spec);

// Sends `signal` to the process group `leader` leads. Only call while `leader` is not yet
// reaped (alive or a zombie): until then its group id cannot be anyone else's.
void signal_group(pid_t leader, int signal);

// "0".."255" for an exit status, "SIGTERM" etc. for death by a signal.
std::string describe_wait_status(int wait_status);

// Makes this process the reaper of its orphaned descendants (PR_SET_CHILD_SUBREAPER), so a
// unit's daemonized grandchild is still ours to kill at exit.
void become_subreaper();
// This process' children as /proc shows them now, adopted orphans included.
std::vector<pid_t> list_children();

}  // namespace corestack::systemd::testing::fake_systemd
