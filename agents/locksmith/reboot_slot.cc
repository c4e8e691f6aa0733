#include "agents/locksmith/reboot_slot.h"

namespace corestack::locksmith {

EtcdRebootSlot::EtcdRebootSlot(std::unique_ptr<etcd::client::Client> client, std::string group,
                               std::string machine_id)
    : client_(std::move(client)),
      keys_(*client_),
      lock_(keys_, group),
      machine_id_(std::move(machine_id)) {}

bool EtcdRebootSlot::ensure_initialised(SlotAttempt& failure) {
  if (initialised_) return true;
  auto created = lock_.init();
  if (!created) {
    failure = {SlotAttempt::failed, created.error().message};
    return false;
  }
  initialised_ = true;
  return true;
}

SlotAttempt EtcdRebootSlot::acquire() {
  SlotAttempt outcome;
  if (!ensure_initialised(outcome)) return outcome;
  auto acquired = lock_.acquire(machine_id_);
  if (!acquired) return {SlotAttempt::failed, acquired.error().message};
  return {acquired->already_held ? SlotAttempt::unchanged : SlotAttempt::done, ""};
}

SlotAttempt EtcdRebootSlot::release() {
  SlotAttempt outcome;
  if (!ensure_initialised(outcome)) return outcome;
  auto released = lock_.unlock(machine_id_);
  if (released) return {SlotAttempt::done, ""};
  if (released.error().is(SemaphoreErrorKind::not_exist)) return {SlotAttempt::unchanged, ""};
  return {SlotAttempt::failed, released.error().message};
}

}  // namespace corestack::locksmith
