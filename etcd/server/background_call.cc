#include "etcd/server/background_call.h"

#include "etcd/common/assert.h"

namespace etcd::server {

BackgroundCall::BackgroundCall() : thread_([this] { run(); }) {}

BackgroundCall::~BackgroundCall() {
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !call_; });
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BackgroundCall::start(std::function<Result<void>()> call) {
  {
    std::lock_guard lock(mutex_);
    ETCD_ASSERT(!call_ && !result_, "BackgroundCall::start while a call is pending");
    call_ = std::move(call);
  }
  changed_.notify_all();
}

Result<void> BackgroundCall::wait() {
  std::unique_lock lock(mutex_);
  ETCD_ASSERT(call_ || result_, "BackgroundCall::wait without start");
  changed_.wait(lock, [this] { return result_.has_value(); });
  Result<void> result = std::move(*result_);
  result_.reset();
  return result;
}

std::optional<Result<void>> BackgroundCall::poll() {
  std::lock_guard lock(mutex_);
  ETCD_ASSERT(call_ || result_, "BackgroundCall::poll without start");
  if (!result_) return std::nullopt;
  std::optional<Result<void>> result = std::move(result_);
  result_.reset();
  return result;
}

void BackgroundCall::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || call_; });
    if (!call_) return;  // stopping, nothing pending
    auto call = call_;
    lock.unlock();
    Result<void> result = call();
    lock.lock();
    call_ = nullptr;
    result_ = std::move(result);
    changed_.notify_all();
  }
}

}  // namespace etcd::server
