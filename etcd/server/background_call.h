// BackgroundCall: runs one blocking call (the WAL's fdatasync) on a thread of its own, so
// the raft loop applies committed entries while the disk syncs new ones. start() and
// wait() strictly alternate; the caller must not touch what the call uses in between.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "etcd/common/result.h"

namespace etcd::server {

class BackgroundCall {
 public:
  BackgroundCall();
  ~BackgroundCall();  // waits for a running call, then joins
  BackgroundCall(const BackgroundCall&) = delete;
  BackgroundCall& operator=(const BackgroundCall&) = delete;

  // Precondition: no call running (start() not followed by wait()).
  void start(std::function<Result<void>()> call);
  // The running call's result once it has returned.
  Result<void> wait();
  // The result if the call has returned (collecting it), else nothing.
  std::optional<Result<void>> poll();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::function<Result<void>()> call_;  // set: waiting to run or running
  std::optional<Result<void>> result_;  // set: done, not yet collected
  bool stopping_ = false;
  std::thread thread_;  // last: starts after the members above exist
};

}  // namespace etcd::server
