// The machine as locksmith sees it over D-Bus (docs/locksmith.md "D-Bus"): the update
// engine (com.coreos.update1: GetStatus and the StatusUpdate signal) and logind
// (org.freedesktop.login1 Reboot). BusHost is the daemon's Host; the free functions are
// what locksmithctl needs. The bus is the system bus, which sd-bus takes from
// $DBUS_SYSTEM_BUS_ADDRESS when set (tests run a private one).
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "agents/locksmith/daemon.h"
#include "agents/systemd/bus.h"

namespace corestack::locksmith {

// Reads an xdssx body; nullopt (logged) when the body is not exactly that, so a malformed
// or truncated signal is ignored instead of trusted (coreos/bugs#1987).
std::optional<UpdateStatus> read_update_status(systemd::Message& message);

// logind Reboot(false) on `bus`; throws systemd::BusError.
void logind_reboot(systemd::Bus& bus);
// Emits the StatusUpdate signal (0, 0.0, UPDATE_STATUS_UPDATED_NEED_REBOOT, "", 0) on
// /com/coreos/update1 as the update engine would, and flushes it.
void send_need_reboot(systemd::Bus& bus);

class BusHost : public Host {
 public:
  // Connection failures are retried with this backoff (doubling, as the lock loop).
  BusHost(Nanoseconds retry_initial, Nanoseconds retry_max, std::string utmp_path = "");

  UpdateStatus get_status() override;
  std::optional<UpdateStatus> next_status(Nanoseconds timeout) override;
  void reboot() override;
  int broadcast(TimePoint now) override;
  TimePoint now() override;
  void sleep_for(Nanoseconds duration) override;

 private:
  // Connects (retrying until it works), subscribes to StatusUpdate and asks GetStatus.
  UpdateStatus connect();
  UpdateStatus call_get_status();

  Nanoseconds retry_initial_;
  Nanoseconds retry_max_;
  std::string utmp_path_;
  std::optional<systemd::Bus> bus_;
  std::optional<systemd::Slot> subscription_;
  std::deque<UpdateStatus> received_;
};

}  // namespace corestack::locksmith
