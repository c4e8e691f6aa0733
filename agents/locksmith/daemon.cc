#include "agents/locksmith/daemon.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

namespace corestack::locksmith {
namespace {

using std::chrono::hours;

// How long to wait for a status when nothing else is due.
constexpr Nanoseconds kIdleWait = hours(1);

}  // namespace

std::string format_status(const UpdateStatus& s) {
  return fmt::format(
      "LastCheckedTime={} Progress={} CurrentOperation=\"{}\" NewVersion={} NewSize={}",
      s.last_checked_time, s.progress, s.current_operation, s.new_version, s.new_size);
}

Nanoseconds Backoff::next() {
  next_ = std::min(next_ * 2, max_);
  return next_;
}

Daemon::Daemon(DaemonOptions options, Host& host, RebootSlot* slot,
               std::function<void(std::string_view)> set_state)
    : options_(std::move(options)), host_(host), slot_(slot), set_state_(std::move(set_state)) {}

int Daemon::run() {
  wait_until_reboot_needed();
  for (;;) {
    if (!inside_window()) {
      // Never sit out the wait holding a slot: the rest of the group could not reboot.
      if (options_.strategy.kind == StrategyKind::etcd_lock) release_until_done();
      const Nanoseconds wait = duration_to_start(options_.window->window, host_.now());
      spdlog::info("Waiting for {} to reboot.", format_go_duration(wait));
      host_.sleep_for(wait);
      continue;
    }
    set_state_("reboot-planned");
    switch (options_.strategy.kind) {
      case StrategyKind::etcd_lock:
        if (!acquire_inside_window()) continue;
        break;
      case StrategyKind::reboot:
        break;
      default:
        spdlog::error("unknown strategy: {}", options_.strategy.name);
        return 1;
    }
    if (host_.broadcast(host_.now()) > 0) {
      spdlog::info("Logins detected, delaying reboot for {}.",
                   format_go_duration(options_.login_delay));
      host_.sleep_for(options_.login_delay);
      if (!inside_window()) {
        if (options_.strategy.kind == StrategyKind::etcd_lock) release_until_done();
        continue;
      }
    }
    return reboot_now();
  }
}

// Waits for UPDATE_STATUS_UPDATED_NEED_REBOOT; meanwhile (etcd-lock) gives back the slot
// this machine rebooted with, once unlock_delay has passed, retrying with backoff.
void Daemon::wait_until_reboot_needed() {
  UpdateStatus status = host_.get_status();
  spdlog::info("locksmithd starting currentOperation=\"{}\" strategy=\"{}\"",
               status.current_operation, options_.strategy.name);
  set_state_("running");
  bool unlock_pending = options_.strategy.kind == StrategyKind::etcd_lock && slot_ != nullptr;
  TimePoint unlock_at = host_.now() + options_.unlock_delay;
  Backoff backoff(options_.retry_initial, options_.retry_max);
  while (status.current_operation != kNeedReboot) {
    const Nanoseconds wait =
        unlock_pending ? std::max(Nanoseconds(0), Nanoseconds(unlock_at - host_.now())) : kIdleWait;
    if (auto next = host_.next_status(wait)) {
      std::fprintf(stderr, "%s\n", format_status(*next).c_str());
      status = std::move(*next);
      continue;
    }
    if (!unlock_pending || host_.now() < unlock_at) continue;
    const SlotAttempt attempt = slot_->release();
    if (attempt.kind == SlotAttempt::failed) {
      const Nanoseconds delay = backoff.next();
      spdlog::warn("Unlocking old locks failed: {}. Retrying in {}.", attempt.error,
                   format_go_duration(delay));
      unlock_at = host_.now() + delay;
      continue;
    }
    if (attempt.kind == SlotAttempt::done) spdlog::info("Unlocked existing lock for this machine");
    unlock_pending = false;
  }
}

bool Daemon::inside_window() {
  if (!options_.window) return true;
  return duration_to_start(options_.window->window, host_.now()) == Nanoseconds(0);
}

bool Daemon::acquire_inside_window() {
  Backoff backoff(options_.retry_initial, options_.retry_max);
  for (;;) {
    if (!inside_window()) return false;
    const SlotAttempt attempt = slot_->acquire();
    if (attempt.kind != SlotAttempt::failed) break;
    const Nanoseconds delay = backoff.next();
    spdlog::info("Failed to acquire lock: {}. Retrying in {}.", attempt.error,
                 format_go_duration(delay));
    host_.sleep_for(delay);
  }
  // The window may have closed while the lock was being taken.
  if (inside_window()) return true;
  spdlog::info("The reboot window closed while the lock was taken; releasing it.");
  release_until_done();
  return false;
}

void Daemon::release_until_done() {
  Backoff backoff(options_.retry_initial, options_.retry_max);
  for (;;) {
    const SlotAttempt attempt = slot_->release();
    if (attempt.kind == SlotAttempt::done) spdlog::info("Unlocked existing lock for this machine");
    if (attempt.kind != SlotAttempt::failed) return;
    const Nanoseconds delay = backoff.next();
    spdlog::warn("Unlocking old locks failed: {}. Retrying in {}.", attempt.error,
                 format_go_duration(delay));
    host_.sleep_for(delay);
  }
}

int Daemon::reboot_now() {
  try {
    host_.reboot();
  } catch (const std::exception& e) {
    spdlog::error("Reboot failed: {}", e.what());
    return 1;
  }
  spdlog::info("Reboot sent. Going to sleep.");
  set_state_("rebooting");
  return 0;
}

}  // namespace corestack::locksmith
