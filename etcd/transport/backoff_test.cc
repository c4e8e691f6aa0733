#include "etcd/transport/backoff.h"

#include <gtest/gtest.h>

namespace etcd::transport {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, GrowsExponentiallyWithJitterUpToTheCap) {
  Backoff backoff(milliseconds(100), milliseconds(5000), Rng(1));
  milliseconds step(100);
  for (int attempt = 0; attempt < 12; ++attempt) {
    const milliseconds delay = backoff.next();
    EXPECT_GE(delay, step / 2) << attempt;
    EXPECT_LE(delay, step) << attempt;
    step = std::min(milliseconds(5000), step * 2);
  }
}

TEST(Backoff, ResetStartsOverFromTheInitialDelay) {
  Backoff backoff(milliseconds(100), milliseconds(5000), Rng(2));
  for (int i = 0; i < 8; ++i)
    (void)backoff.next();
  backoff.reset();
  EXPECT_LE(backoff.next(), milliseconds(100));
}

TEST(Backoff, TheSameSeedReplaysTheSameDelays) {
  Backoff a(milliseconds(100), milliseconds(5000), Rng(42));
  Backoff b(milliseconds(100), milliseconds(5000), Rng(42));
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(a.next(), b.next());
}

TEST(Backoff, JitterSpreadsMembersThatFailedTogether) {
  Backoff a(milliseconds(100), milliseconds(5000), Rng(1));
  Backoff b(milliseconds(100), milliseconds(5000), Rng(2));
  int different = 0;
  for (int i = 0; i < 10; ++i)
    different += a.next() != b.next() ? 1 : 0;
  EXPECT_GE(different, 5);
}

}  // namespace
}  // namespace etcd::transport
