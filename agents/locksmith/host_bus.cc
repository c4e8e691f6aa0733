#include "agents/locksmith/host_bus.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "agents/locksmith/broadcast.h"

namespace corestack::locksmith {
namespace {

constexpr const char* kEngine = "com.coreos.update1";
constexpr const char* kEnginePath = "/com/coreos/update1";
constexpr const char* kEngineInterface = "com.coreos.update1.Manager";
constexpr const char* kLogind = "org.freedesktop.login1";
constexpr const char* kLogindPath = "/org/freedesktop/login1";
constexpr const char* kLogindInterface = "org.freedesktop.login1.Manager";

std::chrono::microseconds micros(Nanoseconds d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d);
}

}  // namespace

std::optional<UpdateStatus> read_update_status(systemd::Message& message) {
  if (message.signature() != "xdssx") {
    spdlog::warn("ignoring an update engine status with body \"{}\" (want xdssx)",
                 message.signature());
    return std::nullopt;
  }
  UpdateStatus s;
  message.read(s.last_checked_time, s.progress, s.current_operation, s.new_version, s.new_size);
  return s;
}

void logind_reboot(systemd::Bus& bus) {
  bus.call_method(kLogind, kLogindPath, kLogindInterface, "Reboot", false);
}

void send_need_reboot(systemd::Bus& bus) {
  bus.emit_signal(kEnginePath, kEngineInterface, "StatusUpdate", int64_t{0}, 0.0,
                  std::string(kNeedReboot), std::string(), int64_t{0});
  bus.flush();
}

BusHost::BusHost(Nanoseconds retry_initial, Nanoseconds retry_max, std::string utmp_path)
    : retry_initial_(retry_initial), retry_max_(retry_max), utmp_path_(std::move(utmp_path)) {}

UpdateStatus BusHost::call_get_status() {
  systemd::Message reply = bus_->call_method(kEngine, kEnginePath, kEngineInterface, "GetStatus");
  if (auto status = read_update_status(reply)) return *status;
  throw systemd::BusError("GetStatus answered with body \"" + reply.signature() + "\"",
                          "org.freedesktop.DBus.Error.InvalidSignature", EINVAL);
}

// The update engine may not be on the bus yet (it starts after us, or restarts): retry
// instead of exiting, which only made systemd restart us in a loop (coreos/bugs#1011).
UpdateStatus BusHost::connect() {
  Backoff backoff(retry_initial_, retry_max_);
  for (;;) {
    try {
      subscription_.reset();
      bus_.reset();
      bus_.emplace(systemd::Bus::open_system());
      subscription_.emplace(bus_->match_signal("", kEnginePath, kEngineInterface, "StatusUpdate",
                                               [this](systemd::Message& m) {
                                                 if (auto status = read_update_status(m))
                                                   received_.push_back(std::move(*status));
                                               }));
      return call_get_status();
    } catch (const systemd::BusError& e) {
      const Nanoseconds delay = backoff.next();
      spdlog::warn("Cannot get update engine status: {}. Retrying in {}.", e.what(),
                   format_go_duration(delay));
      std::this_thread::sleep_for(delay);
    }
  }
}

UpdateStatus BusHost::get_status() {
  return connect();
}

std::optional<UpdateStatus> BusHost::next_status(Nanoseconds timeout) {
  const TimePoint deadline = now() + timeout;
  while (received_.empty()) {
    const Nanoseconds left = deadline - now();
    if (left <= Nanoseconds(0)) return std::nullopt;
    try {
      bus_->run_until([this] { return !received_.empty(); }, micros(left));
    } catch (const systemd::BusError& e) {
      // The bus went away (dbus restart): reconnect and ask again, since signals sent in
      // between are lost.
      spdlog::warn("lost the system bus: {}; reconnecting", e.what());
      received_.push_back(connect());
    }
  }
  UpdateStatus status = std::move(received_.front());
  received_.pop_front();
  return status;
}

void BusHost::reboot() {
  if (!bus_) connect();
  logind_reboot(*bus_);
}

int BusHost::broadcast(TimePoint now) {
  return broadcast_to_terminals(reboot_broadcast_text(now), utmp_path_);
}

TimePoint BusHost::now() {
  return std::chrono::system_clock::now();
}

void BusHost::sleep_for(Nanoseconds duration) {
  std::this_thread::sleep_for(duration);
}

}  // namespace corestack::locksmith
