#include "etcd/server/background_call.h"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>

namespace etcd::server {
namespace {

TEST(BackgroundCall, RunsEachCallOnItsOwnThreadAndReturnsItsResult) {
  BackgroundCall call;
  const auto caller = std::this_thread::get_id();
  std::thread::id ran_on;
  call.start([&] {
    ran_on = std::this_thread::get_id();
    return Result<void>(Ok{});
  });
  EXPECT_TRUE(call.wait().ok());
  EXPECT_NE(ran_on, caller);
  call.start([] { return Result<void>(Error{"disk on fire"}); });
  auto failed = call.wait();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "disk on fire");
}

TEST(BackgroundCall, TheCallerWorksWhileTheCallRuns) {
  BackgroundCall call;
  std::atomic<bool> release{false};
  std::atomic<bool> finished{false};
  call.start([&] {
    while (!release.load()) std::this_thread::yield();
    finished = true;
    return Result<void>(Ok{});
  });
  EXPECT_FALSE(finished.load());  // start() did not wait for it
  EXPECT_FALSE(call.poll().has_value()) << "poll() answers while the call still runs";
  release = true;
  std::optional<Result<void>> result;
  while (!(result = call.poll())) std::this_thread::yield();  // until the call returns
  EXPECT_TRUE(result->ok());
  EXPECT_TRUE(finished.load());
  call.start([] { return Result<void>(Ok{}); });  // collected by poll(): usable again
  EXPECT_TRUE(call.wait().ok());
}

TEST(BackgroundCall, AStartedCallRunsEvenWhenDestroyedBeforeItIsCollected) {
  std::atomic<bool> finished{false};
  {
    BackgroundCall call;
    call.start([&] {
      std::this_thread::yield();
      finished = true;
      return Result<void>(Ok{});
    });
  }
  EXPECT_TRUE(finished.load());
}

}  // namespace
}  // namespace etcd::server
