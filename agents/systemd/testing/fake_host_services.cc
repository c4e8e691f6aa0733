// fake_host_services: the two host services locksmith talks to, on any bus, for tests.
//
//   fake_host_services [--bus ADDRESS] [--status OP] [--reboot-log PATH] [--no-update-engine]
//
//   --bus ADDRESS       bus to join, e.g. unix:path=/tmp/x/bus (default: the system bus, so
//                       DBUS_SYSTEM_BUS_ADDRESS works too)
//   --status OP         initial current_operation (default UPDATE_STATUS_IDLE)
//   --reboot-log PATH   append "reboot <unix-time-ns> <sender>" per Reboot call (O_APPEND,
//                       fsync'd before the reply)
//   --no-update-engine  do not own com.coreos.update1 until `own-update-engine`
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
// acknowledgement below; "reboot <unix-time-ns> <sender>" per Reboot call.
// stdin commands, one per line:
//   status OP          set the operation and emit StatusUpdate   -> "status OP"
//   signal-bad         emit StatusUpdate with body (s) "garbage" -> "signal-bad"
//   own-update-engine  claim com.coreos.update1                  -> "owned com.coreos.update1"
//   quit               exit 0 (so does end of stdin)
// Unknown commands print "unknown command: <line>" on stderr. Exits 1 on a bus failure.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
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
  FakeHostServices(Bus& bus, Options options) : bus_(bus), options_(std::move(options)) {
    update_slot_ = bus_.serve_object(kUpdatePath, [this](Message& call) { on_update(call); });
    login_slot_ = bus_.serve_object(kLoginPath, [this](Message& call) { on_login(call); });
    if (options_.update_engine) bus_.request_name(kUpdateName);
    bus_.request_name(kLoginName);
  }

  // False on `quit`.
  bool command(const std::string& line) {
    if (line == "quit") return false;
    if (line.rfind("status ", 0) == 0) {
      options_.status = line.substr(7);
      bus_.emit_signal(kUpdatePath, kUpdateInterface, "StatusUpdate", int64_t{0}, 0.0,
                       options_.status, "", int64_t{0});
      bus_.flush();  // on the wire before the acknowledgement
      say(line);
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

 private:
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

int run(const Options& options) {
  Bus bus = options.bus.empty() ? Bus::open_system() : Bus::open_address(options.bus);
  FakeHostServices fake(bus, options);
  say("ready");
  std::string pending;
  for (;;) {
    while (bus.process()) {
    }
    pollfd fds[2] = {{0, POLLIN, 0}, {bus.fd(), bus.poll_events(), 0}};
    const int n = ::poll(fds, 2, bus.poll_timeout_ms());
    if (n < 0 && errno != EINTR)
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    if (n > 0 && fds[0].revents != 0 && !drain_stdin(fake, pending)) break;
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
