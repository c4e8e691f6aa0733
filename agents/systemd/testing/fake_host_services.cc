// fake_host_services: the two host services locksmith talks to, on any bus, for tests; with
// --update-engine-only, the update engine alone on a real system bus (the e2e image's
// update-engine.service, docs/images.md), where logind is the real one.
//
//   fake_host_services [--bus ADDRESS] [--status OP] [--reboot-log PATH] [--no-update-engine]
//                      [--update-engine-only] [--status-file PATH] [--no-stdin]
//
//   --bus ADDRESS         bus to join, e.g. unix:path=/tmp/x/bus (default: the system bus, so
//                         DBUS_SYSTEM_BUS_ADDRESS works too)
//   --status OP           initial current_operation (default UPDATE_STATUS_IDLE)
//   --reboot-log PATH     append "reboot <unix-time-ns> <sender>" per Reboot call (O_APPEND,
//                         fsync'd before the reply)
//   --no-update-engine    do not own com.coreos.update1 until `own-update-engine`
//   --update-engine-only  neither serve nor own org.freedesktop.login1
//   --status-file PATH    the operation is this file's first line (surrounding whitespace
//                         trimmed) while the file exists and that line is not empty, else
//                         --status. The file's directory is created and watched (inotify):
//                         a write that changes the operation emits StatusUpdate, as `status`
//                         does. With PATH under /run, a reboot forgets it, as the real engine
//                         reports idle once the new image is booted.
//   --no-stdin            read no commands; run until SIGTERM/SIGINT (a systemd service)
//
// Serves, on one connection:
//   com.coreos.update1      /com/coreos/update1      com.coreos.update1.Manager
//     GetStatus() -> (x last_checked_time, d progress, s current_operation, s new_version,
//                     x new_size) = (0, 0.0, OP, "", 0)
//     signal StatusUpdate (xdssx), same body
//   org.freedesktop.login1  /org/freedesktop/login1  org.freedesktop.login1.Manager
//     Reboot(b interactive) -> ()
//
// stdout (line-buffered, one line per event): "ready" once the names are owned; each command's
// acknowledgement below (a --status-file change prints "status OP" too); "reboot
// <unix-time-ns> <sender>" per Reboot call.
// stdin commands, one per line:
//   status OP          set the operation and emit StatusUpdate   -> "status OP"
//   signal-bad         emit StatusUpdate with body (s) "garbage" -> "signal-bad"
//   own-update-engine  claim com.coreos.update1                  -> "owned com.coreos.update1"
//   quit               exit 0 (so does end of stdin)
// Unknown commands print "unknown command: <line>" on stderr. Exits 1 on a bus failure, 0 on
// SIGTERM/SIGINT.
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "agents/systemd/bus.h"

namespace {

using corestack::systemd::Bus;
using corestack::systemd::Message;

constexpr const char* kUpdateName = "com.coreos.update1";
constexpr const char* kUpdatePath = "/com/coreos/update1";
constexpr const char* kUpdateInterface = "com.coreos.update1.Manager";
constexpr const char* kLoginName = "org.freedesktop.login1";
constexpr const char* kLoginPath = "/org/freedesktop/login1";
constexpr const char* kLoginInterface = "org.freedesktop.login1.Manager";

struct Options {
  std::string bus;
  std::string status = "UPDATE_STATUS_IDLE";
  std::string reboot_log;
  bool update_engine = true;
  bool logind = true;
  std::string status_file;
  bool read_stdin = true;
};

std::optional<Options> parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--bus" && has_value) {
      o.bus = argv[++i];
    } else if (arg == "--status" && has_value) {
      o.status = argv[++i];
    } else if (arg == "--reboot-log" && has_value) {
      o.reboot_log = argv[++i];
    } else if (arg == "--no-update-engine") {
      o.update_engine = false;
    } else if (arg == "--update-engine-only") {
      o.logind = false;
    } else if (arg == "--status-file" && has_value) {
      o.status_file = argv[++i];
    } else if (arg == "--no-stdin") {
      o.read_stdin = false;
    } else {
      std::cerr << "fake_host_services: bad argument " << arg << "\n";
      return std::nullopt;
    }
  }
  return o;
}

void say(const std::string& line) {
  std::cout << line << std::endl;
}

class FakeHostServices {
 public:
  FakeHostServices(Bus& bus, Options options)
      : bus_(bus), options_(std::move(options)), default_status_(options_.status) {
    if (!options_.status_file.empty()) options_.status = file_status();
    update_slot_ = bus_.serve_object(kUpdatePath, [this](Message& call) { on_update(call); });
    if (options_.logind)
      login_slot_ = bus_.serve_object(kLoginPath, [this](Message& call) { on_login(call); });
    if (options_.update_engine) bus_.request_name(kUpdateName);
    if (options_.logind) bus_.request_name(kLoginName);
  }

  // False on `quit`.
  bool command(const std::string& line) {
    if (line == "quit") return false;
    if (line.rfind("status ", 0) == 0) {
      set_status(line.substr(7));
    } else if (line == "signal-bad") {
      bus_.emit_signal(kUpdatePath, kUpdateInterface, "StatusUpdate", "garbage");
      bus_.flush();
      say(line);
    } else if (line == "own-update-engine") {
      bus_.request_name(kUpdateName);
      say(std::string("owned ") + kUpdateName);
    } else if (!line.empty()) {
      std::cerr << "fake_host_services: unknown command: " << line << std::endl;
    }
    return true;
  }

  // The status file changed (or may have): emits StatusUpdate if the operation did.
  void status_file_changed() {
    std::string op = file_status();
    if (op != options_.status) set_status(std::move(op));
  }

 private:
  void set_status(std::string op) {
    options_.status = std::move(op);
    bus_.emit_signal(kUpdatePath, kUpdateInterface, "StatusUpdate", int64_t{0}, 0.0,
                     options_.status, "", int64_t{0});
    bus_.flush();  // on the wire before the acknowledgement
    say("status " + options_.status);
  }

  // The status file's first line, trimmed; the --status operation when there is none.
  std::string file_status() const {
    std::ifstream in(options_.status_file);
    std::string line;
    if (!in || !std::getline(in, line)) return default_status_;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) return default_status_;
    const auto last = line.find_last_not_of(" \t\r");
    return line.substr(first, last - first + 1);
  }

  void on_update(Message& call) {
    if (!call.is_method_call(kUpdateInterface, "GetStatus")) return;  // UnknownMethod
    reply(call, int64_t{0}, 0.0, options_.status, "", int64_t{0});
  }

  void on_login(Message& call) {
    if (!call.is_method_call(kLoginInterface, "Reboot")) return;
    if (call.signature() != "b") {
      reply_error(call, "org.freedesktop.DBus.Error.InvalidArgs",
                  "Reboot takes (b interactive), got '" + call.signature() + "'");
      return;
    }
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    const std::string line = "reboot " + std::to_string(ns.count()) + " " + call.sender();
    if (!options_.reboot_log.empty()) append_durably(options_.reboot_log, line + "\n");
    reply(call);
    say(line);
  }

  static void append_durably(const std::string& path, const std::string& data) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("open " + path + ": " + std::strerror(errno));
    const ssize_t n = ::write(fd, data.data(), data.size());
    const bool ok = n == static_cast<ssize_t>(data.size()) && ::fsync(fd) == 0;
    const int saved = errno;
    ::close(fd);
    if (!ok) throw std::runtime_error("write " + path + ": " + std::strerror(saved));
  }

  Bus& bus_;
  Options options_;
  const std::string default_status_;
  corestack::systemd::Slot update_slot_;
  corestack::systemd::Slot login_slot_;
};

// Reads what stdin has; runs complete lines. False on quit or end of input.
bool drain_stdin(FakeHostServices& fake, std::string& pending) {
  char buf[4096];
  const ssize_t n = ::read(0, buf, sizeof(buf));
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  pending.append(buf, static_cast<size_t>(n));
  for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
    const std::string line = pending.substr(0, nl);
    pending.erase(0, nl + 1);
    if (!fake.command(line)) return false;
  }
  return true;
}

// inotify on the status file's directory (created if missing): the file may be written in
// place or renamed over, created or removed. -1 without --status-file.
int watch_status_file(const std::string& path) {
  if (path.empty()) return -1;
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir);
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("inotify_init1: ") + std::strerror(errno));
  if (::inotify_add_watch(fd, dir.empty() ? "." : dir.c_str(),
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE) < 0)
    throw std::runtime_error("inotify_add_watch " + dir.string() + ": " + std::strerror(errno));
  return fd;
}

// SIGTERM/SIGINT as a readable fd, so a service stop ends the loop (exit 0).
int signal_fd() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0)
    throw std::runtime_error(std::string("sigprocmask: ") + std::strerror(errno));
  const int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("signalfd: ") + std::strerror(errno));
  return fd;
}

void drain(int fd) {
  char buf[4096];
  while (::read(fd, buf, sizeof(buf)) > 0) {
  }
}

int run(const Options& options) {
  const int signals = signal_fd();
  // Watched before the first read, so no write falls between the read and the watch.
  const int watch = watch_status_file(options.status_file);
  Bus bus = options.bus.empty() ? Bus::open_system() : Bus::open_address(options.bus);
  FakeHostServices fake(bus, options);
  say("ready");
  std::string pending;
  for (;;) {
    while (bus.process()) {
    }
    pollfd fds[4] = {{bus.fd(), bus.poll_events(), 0},
                     {signals, POLLIN, 0},
                     {watch, POLLIN, 0},  // poll ignores a negative fd
                     {options.read_stdin ? 0 : -1, POLLIN, 0}};
    const int n = ::poll(fds, 4, bus.poll_timeout_ms());
    if (n < 0 && errno != EINTR)
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    if (n <= 0) continue;
    if (fds[1].revents != 0) break;
    if (fds[2].revents != 0) {
      drain(watch);
      fake.status_file_changed();
    }
    if (fds[3].revents != 0 && !drain_stdin(fake, pending)) break;
  }
  bus.flush();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = parse(argc, argv);
  if (!options) return 2;
  try {
    return run(*options);
  } catch (const std::exception& e) {
    std::cerr << "fake_host_services: " << e.what() << std::endl;
    return 1;
  }
}
