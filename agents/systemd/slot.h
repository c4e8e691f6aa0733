// Slot: owns one sd_bus_slot (a signal match or a served object). Destroying or resetting it
// unsubscribes at once: its handler is never called again, even for messages already
// queued. A slot keeps its sd_bus alive, so it may outlive the Bus it came from (harmlessly:
// nothing dispatches to it any more).
#pragma once

#include <systemd/sd-bus.h>

#include <utility>

namespace corestack::systemd {

class Slot {
 public:
  Slot() = default;
  explicit Slot(sd_bus_slot* slot) : slot_(slot) {}  // takes over the caller's reference
  Slot(Slot&& other) noexcept : slot_(std::exchange(other.slot_, nullptr)) {}
  Slot& operator=(Slot&& other) noexcept {
    if (this != &other) {
      reset();
      slot_ = std::exchange(other.slot_, nullptr);
    }
    return *this;
  }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  ~Slot() { reset(); }

  void reset() { slot_ = sd_bus_slot_unref(slot_); }
  explicit operator bool() const { return slot_ != nullptr; }
  sd_bus_slot* get() const { return slot_; }

 private:
  sd_bus_slot* slot_ = nullptr;
};

}  // namespace corestack::systemd
