// fake_systemd: a stand-in for systemd's service manager on any bus, for tests of agents
// that drive org.freedesktop.systemd1 (fleet's agent: shared/reference/fleet.md §6). It
// really runs the units' commands.
//
//   fake_systemd [--bus ADDRESS] [--log-dir DIR] [--state-file PATH]
//                [--no-list-units-by-names] [--no-stdin]
//
//   --bus ADDRESS              bus to join, e.g. unix:path=/tmp/x/bus (default: the system
//                              bus, so DBUS_SYSTEM_BUS_ADDRESS works too)
//   --log-dir DIR              each unit's stdout and stderr appended to DIR/<unit>.log
//                              (default: this process' stderr)
//   --state-file PATH          JSON snapshot of everything, rewritten (write + rename) after
//                              every change, before the D-Bus reply that caused it
//   --no-list-units-by-names   ListUnitsByNames answers UnknownMethod (systemd < 230)
//   --no-stdin                 ignore stdin; run until SIGTERM/SIGINT/SIGHUP
//
// It owns org.freedesktop.systemd1 and serves /org/freedesktop/systemd1
// (org.freedesktop.systemd1.Manager) and the unit objects under
// /org/freedesktop/systemd1/unit/ with systemd's signatures: testing/fake_systemd_bus.h.
// Units become known only through LinkUnitFiles (or EnableUnitFiles of a path) and then
// Reload: a linked but unreloaded unit is not-found (testing/fake_systemd_manager.h has the
// state machine). Unit files: [Unit] Description=; [Service] Type= (simple, oneshot; exec,
// notify, dbus, idle act as simple; forking is refused), ExecStart=, ExecStartPre=,
// RemainAfterExit=, Environment=, EnvironmentFile=, WorkingDirectory=, TimeoutStopSec=;
// [Install] WantedBy=, RequiredBy=, Alias=, Also= (fake_systemd_unit_file.h).
//
// stdout, one line per event: "ready" once the name is owned; "link <path>",
// "enable <file>", "disable <name>", "reload", "start-pre <unit> pid <pid>",
// "start <unit> pid <pid>", "exit <unit> <code|SIGNAME>", "stop <unit>", "sigkill <unit>"
// (stop timeout), "reset-failed <unit>", and the answers to commands below.
// stdin commands, one per line:
//   state <unit>   -> "state <unit> <load> <active> <sub>"
//   kill <unit>    SIGKILL its running command, as a crash -> "kill <unit> pid <pid>" or
//                  "kill <unit> none"; its "exit <unit> SIGKILL" follows
//   quit           (or end of stdin) stop every unit's processes and exit 0
// On quit, end of stdin, SIGTERM, SIGINT or SIGHUP it sends SIGTERM to every unit's
// process group, SIGKILL after 2 s, kills any adopted orphan, reaps them all and exits 0.
// Children also get SIGKILL if this process dies (PR_SET_PDEATHSIG). Exits 1 on a bus
// failure, 2 on a bad argument.
//
// State file: {"reloads": N, "jobs": N,
//   "links": {"<unit>": {"path": "<file>", "runtime": bool}},
//   "enabled": {"<unit>": {"runtime": bool, "symlinks": ["<path>", ...]}},
//   "units": {"<unit>": {"load_state", "active_state", "sub_state", "description",
//     "fragment_path", "pid" (running command, 0 if none), "main_pid", "result",
//     "last_exit" ("0", "1", "SIGKILL", "" before any), "starts", "enabled"}}}
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>

#include "agents/systemd/bus.h"
#include "agents/systemd/testing/fake_systemd_bus.h"
#include "agents/systemd/testing/fake_systemd_manager.h"
#include "agents/systemd/testing/fake_systemd_names.h"
#include "agents/systemd/testing/fake_systemd_process.h"

namespace {

using corestack::systemd::Bus;
namespace fake = corestack::systemd::testing::fake_systemd;
using Clock = std::chrono::steady_clock;

constexpr auto kShutdownGrace = std::chrono::seconds(2);

struct Options {
  std::string bus;
  std::string log_dir;
  std::string state_file;
  bool list_units_by_names = true;
  bool read_stdin = true;
};

std::optional<Options> parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--bus" && has_value) {
      o.bus = argv[++i];
    } else if (arg == "--log-dir" && has_value) {
      o.log_dir = argv[++i];
    } else if (arg == "--state-file" && has_value) {
      o.state_file = argv[++i];
    } else if (arg == "--no-list-units-by-names") {
      o.list_units_by_names = false;
    } else if (arg == "--no-stdin") {
      o.read_stdin = false;
    } else {
      std::cerr << "fake_systemd: bad argument " << arg << "\n";
      return std::nullopt;
    }
  }
  return o;
}

void say(const std::string& line) {
  std::cout << line << std::endl;
}

// Readers never see a half-written file: write a sibling, then rename over.
void write_state_file(const std::string& path, const fake::Manager& manager) {
  if (path.empty()) return;
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << manager.to_json().dump(2) << "\n";
    if (!out) {
      std::cerr << "fake_systemd: cannot write " << tmp << std::endl;
      return;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    std::cerr << "fake_systemd: rename " << tmp << ": " << std::strerror(errno) << std::endl;
}

// SIGCHLD and the termination signals arrive on a signalfd, read by the poll loop.
int block_signals_into_fd() {
  sigset_t mask;
  sigemptyset(&mask);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP})
    sigaddset(&mask, sig);
  if (::sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) throw std::runtime_error("sigprocmask");
  const int fd = ::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) throw std::runtime_error(std::string("signalfd: ") + std::strerror(errno));
  return fd;
}

// Drains the signalfd; true if a termination signal was among them.
bool drain_signals(int signal_fd) {
  bool terminate = false;
  signalfd_siginfo info{};
  while (::read(signal_fd, &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
    if (info.ssi_signo != SIGCHLD) terminate = true;
  }
  return terminate;
}

// Reaps exited children: all of them, or (block) the next one to exit. Peeking first
// (WNOWAIT) lets the manager kill the rest of a unit's process group while the zombie still
// reserves its id. False when there is no child left to wait for.
bool reap(fake::Manager& manager, bool block) {
  for (;;) {
    siginfo_t info{};
    const int flags = WEXITED | WNOWAIT | (block ? 0 : WNOHANG);
    if (::waitid(P_ALL, 0, &info, flags) != 0) {
      if (errno == EINTR) continue;
      return false;  // ECHILD
    }
    if (info.si_pid == 0) return true;
    manager.before_reap(info.si_pid);
    int status = 0;
    while (::waitpid(info.si_pid, &status, 0) < 0 && errno == EINTR) {
    }
    manager.on_child_exit(info.si_pid, status);
    if (block) return true;
  }
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// SIGTERM, a grace period, SIGKILL, then the orphans this subreaper adopted.
void stop_everything(fake::Manager& manager, int signal_fd) {
  manager.signal_all(SIGTERM);
  const auto deadline = Clock::now() + kShutdownGrace;
  while (manager.has_processes() && Clock::now() < deadline) {
    pollfd p{signal_fd, POLLIN, 0};
    ::poll(&p, 1, remaining_ms(deadline));
    drain_signals(signal_fd);
    reap(manager, false);
  }
  manager.signal_all(SIGKILL);
  while (manager.has_processes() && reap(manager, true)) {
  }
  for (pid_t orphan : fake::list_children()) {
    ::kill(orphan, SIGKILL);
    ::waitpid(orphan, nullptr, 0);
  }
}

class Control {
 public:
  explicit Control(fake::Manager& manager) : manager_(manager) {}

  // Reads what stdin has and runs complete lines. False on quit or end of input.
  bool read_stdin() {
    char buf[4096];
    const ssize_t n = ::read(0, buf, sizeof(buf));
    if (n < 0) return errno == EINTR || errno == EAGAIN;
    if (n == 0) return false;
    pending_.append(buf, static_cast<size_t>(n));
    for (auto nl = pending_.find('\n'); nl != std::string::npos; nl = pending_.find('\n')) {
      const std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      if (!command(line)) return false;
    }
    return true;
  }

 private:
  bool command(const std::string& line) {
    const auto space = line.find(' ');
    const std::string verb = line.substr(0, space);
    const std::string unit = space == std::string::npos ? "" : line.substr(space + 1);
    if (verb == "quit") return false;
    if (verb == "state" && !unit.empty()) {
      const auto s = manager_.status(unit);
      say("state " + unit + " " + s.load_state + " " + s.active_state + " " + s.sub_state);
    } else if (verb == "kill" && !unit.empty()) {
      const pid_t pid = manager_.kill_unit(unit);
      say("kill " + unit + (pid != 0 ? " pid " + std::to_string(pid) : " none"));
    } else if (!line.empty()) {
      std::cerr << "fake_systemd: unknown command: " << line << std::endl;
    }
    return true;
  }

  fake::Manager& manager_;
  std::string pending_;
};

int poll_timeout_ms(const Bus& bus, const fake::Manager& manager) {
  int timeout = bus.poll_timeout_ms();
  if (const auto deadline = manager.next_deadline()) {
    const int until = remaining_ms(*deadline);
    if (timeout < 0 || until < timeout) timeout = until;
  }
  return timeout;
}

// The event loop: bus, signals, stdin. Returns when it is time to shut down.
void serve(Bus& bus, fake::Manager& manager, int signal_fd, bool read_stdin) {
  Control control(manager);
  for (;;) {
    while (bus.process()) {
    }
    manager.on_timer(Clock::now());
    pollfd fds[3] = {
        {bus.fd(), bus.poll_events(), 0}, {signal_fd, POLLIN, 0}, {read_stdin ? 0 : -1, POLLIN, 0}};
    const int n = ::poll(fds, 3, poll_timeout_ms(bus, manager));
    if (n < 0 && errno != EINTR)
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    if (n <= 0) continue;
    if (fds[1].revents != 0) {
      const bool terminate = drain_signals(signal_fd);
      reap(manager, false);
      if (terminate) return;
    }
    if (fds[2].revents != 0 && !control.read_stdin()) return;
  }
}

int run(const Options& options) {
  ::signal(SIGPIPE, SIG_IGN);  // a test that went away must not kill us before cleanup
  const int signal_fd = block_signals_into_fd();
  fake::become_subreaper();
  fake::Manager manager(fake::ManagerOptions{options.log_dir, fake::HostIds::read()}, say,
                        [&manager, &options] { write_state_file(options.state_file, manager); });
  int status = 0;
  try {
    Bus bus = options.bus.empty() ? Bus::open_system() : Bus::open_address(options.bus);
    fake::ManagerObject object(bus, manager, options.list_units_by_names);
    bus.request_name(fake::kServiceName);
    write_state_file(options.state_file, manager);
    say("ready");
    serve(bus, manager, signal_fd, options.read_stdin);
    bus.flush();
  } catch (const std::exception& e) {
    std::cerr << "fake_systemd: " << e.what() << std::endl;
    status = 1;
  }
  stop_everything(manager, signal_fd);  // also after a bus failure: leave nothing behind
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = parse(argc, argv);
  if (!options) return 2;
  try {
    return run(*options);
  } catch (const std::exception& e) {
    std::cerr << "fake_systemd: " << e.what() << std::endl;
    return 1;
  }
}
