#include "etcd/server/lease_clock.h"

#include <gtest/gtest.h>

namespace etcd::server {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

TEST(LeaseClock, CountsDownFromTheLastSetAndForgetsOnZero) {
  LeaseClock clock;
  clock.set(1, 10, 0);
  clock.set(2, 2, 0);
  EXPECT_EQ(clock.remaining_seconds(1, kSecond / 2), 10) << "rounded up";
  EXPECT_EQ(clock.expired(2 * kSecond - 1), std::vector<int64_t>{});
  EXPECT_EQ(clock.expired(2 * kSecond), std::vector<int64_t>{2});
  EXPECT_EQ(clock.remaining_seconds(2, 3 * kSecond), 0);
  clock.set(2, 2, 3 * kSecond);  // a keep-alive
  EXPECT_EQ(clock.expired(4 * kSecond), std::vector<int64_t>{});
  clock.set(2, 0, 4 * kSecond);  // revoked
  EXPECT_FALSE(clock.remaining_seconds(2, 4 * kSecond).has_value());
  EXPECT_EQ(clock.size(), 1u);
}

TEST(LeaseClock, ResetRestartsEveryCountdownSoNoLeaseExpiresEarly) {
  LeaseClock clock;
  clock.set(1, 5, 0);
  clock.set(9, 5, 0);
  // A new leader at t=4 s: lease 1 gets its whole TTL again; lease 9 is gone from the store.
  clock.reset({{1, 5}, {3, 7}}, 4 * kSecond);
  EXPECT_EQ(clock.expired(8 * kSecond), std::vector<int64_t>{});
  EXPECT_EQ(clock.expired(9 * kSecond), std::vector<int64_t>{1});
  EXPECT_FALSE(clock.remaining_seconds(9, 0).has_value());
  EXPECT_EQ(clock.remaining_seconds(3, 4 * kSecond), 7);
}

}  // namespace
}  // namespace etcd::server
