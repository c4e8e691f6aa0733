// Daemon: locksmithd's decisions (docs/locksmith.md "locksmithd"), apart from the machine
// they act on. It waits until the update engine reports that a reboot is needed, then —
// inside the reboot window, if one is configured — takes a slot in the cluster's reboot
// semaphore (strategy etcd-lock) and asks logind to reboot. After a boot it gives back
// the slot it rebooted with. Two fixes over the reference (docs/locksmith.md "Differences"):
// a host never waits for its window while holding a slot (flatcar#408), and the window is
// checked again after the slot is taken, so a reboot never starts outside it.
//
// The machine is behind two interfaces so the decisions are tested with fakes: Host (update
// engine, logind, terminals, clock) and RebootSlot (this machine's place in the semaphore).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "agents/locksmith/config.h"
#include "agents/locksmith/window.h"

namespace corestack::locksmith {

// The update engine's GetStatus result and StatusUpdate signal body (xdssx).
struct UpdateStatus {
  int64_t last_checked_time = 0;
  double progress = 0;
  std::string current_operation;
  std::string new_version;
  int64_t new_size = 0;
};
inline constexpr std::string_view kNeedReboot = "UPDATE_STATUS_UPDATED_NEED_REBOOT";

// `LastCheckedTime=0 Progress=0 CurrentOperation="..." NewVersion= NewSize=0`, as the
// reference prints every status it receives.
std::string format_status(const UpdateStatus& status);

class Host {
 public:
  virtual ~Host() = default;
  // The update engine's current status; waits (retrying) until the engine answers.
  virtual UpdateStatus get_status() = 0;
  // The next valid StatusUpdate within `timeout`; nullopt when none came.
  virtual std::optional<UpdateStatus> next_status(Nanoseconds timeout) = 0;
  // logind Reboot(false); throws std::exception when the call fails.
  virtual void reboot() = 0;
  // Warns logged-in users; returns how many terminals were reached.
  virtual int broadcast(TimePoint now) = 0;
  virtual TimePoint now() = 0;
  virtual void sleep_for(Nanoseconds duration) = 0;
};

// The outcome of one attempt on the semaphore.
struct SlotAttempt {
  enum Kind { done, unchanged, failed } kind = failed;
  std::string error;  // kind failed: as locksmith logs it
};

class RebootSlot {
 public:
  virtual ~RebootSlot() = default;
  // Takes this machine's slot; unchanged when it already holds one.
  virtual SlotAttempt acquire() = 0;
  // Gives it back; unchanged when it holds none.
  virtual SlotAttempt release() = 0;
};

struct DaemonOptions {
  Strategy strategy;
  std::optional<WindowConfig> window;
  Nanoseconds unlock_delay = std::chrono::seconds(5);   // after start, before the unlock
  Nanoseconds retry_initial = std::chrono::seconds(5);  // doubled before each sleep
  Nanoseconds retry_max = std::chrono::minutes(5);
  Nanoseconds login_delay = std::chrono::minutes(5);  // when terminals were warned
};

class Daemon {
 public:
  // `slot` may be null unless the strategy is etcd-lock. `set_state` records the
  // coordinator state (coordinator.conf).
  Daemon(DaemonOptions options, Host& host, RebootSlot* slot,
         std::function<void(std::string_view)> set_state);

  // Runs until the reboot is sent and returns 0 (the caller then sleeps while the machine
  // goes down), or returns 1 for an unknown strategy or a failed reboot call.
  int run();

 private:
  void wait_until_reboot_needed();
  bool inside_window();
  // etcd-lock: takes a slot inside the window; false when the window closed meanwhile.
  bool acquire_inside_window();
  void release_until_done();
  int reboot_now();

  DaemonOptions options_;
  Host& host_;
  RebootSlot* slot_;
  std::function<void(std::string_view)> set_state_;
};

// Doubling backoff as the reference's: the first sleep is twice `initial`, capped at max.
class Backoff {
 public:
  Backoff(Nanoseconds initial, Nanoseconds max) : next_(initial), max_(max) {}
  Nanoseconds next();
  void reset(Nanoseconds initial) { next_ = initial; }

 private:
  Nanoseconds next_;
  Nanoseconds max_;
};

}  // namespace corestack::locksmith
