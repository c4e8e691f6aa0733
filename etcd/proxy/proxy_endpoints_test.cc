#include "etcd/proxy/endpoints.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace etcd::proxy {
namespace {

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(Endpoints, SetShufflesButKeepsEveryUrl) {
  ManualClock clock;
  Endpoints e(clock, 5000, 7);
  const std::vector<std::string> urls = {"http://a:1", "http://b:1", "http://c:1", "http://d:1"};
  bool reordered = false;
  for (int i = 0; i < 20; ++i) {
    e.set(urls);
    EXPECT_EQ(sorted(e.available()), urls);
    reordered |= e.available() != urls;
  }
  EXPECT_TRUE(reordered) << "20 shuffles of 4 URLs never changed the order";
}

TEST(Endpoints, FailedUrlIsSkippedForTheFailureWait) {
  ManualClock clock;
  Endpoints e(clock, 5000, 1);
  e.set({"http://a:1", "http://b:1"});
  EXPECT_TRUE(e.mark_failed("http://a:1"));
  EXPECT_FALSE(e.mark_failed("http://a:1")) << "already marked";
  EXPECT_EQ(e.available(), std::vector<std::string>{"http://b:1"});
  EXPECT_EQ(e.all().size(), 2u);
  clock.advance_ns(4'999'000'000);
  EXPECT_EQ(e.available().size(), 1u);
  clock.advance_ns(1'000'000);
  EXPECT_EQ(e.available().size(), 2u) << "retested after the wait";
}

TEST(Endpoints, RefreshClearsMarksAndUnknownUrlsAreIgnored) {
  ManualClock clock;
  Endpoints e(clock, 5000, 1);
  e.set({"http://a:1"});
  EXPECT_FALSE(e.mark_failed("http://zzz:1"));
  EXPECT_TRUE(e.mark_failed("http://a:1"));
  EXPECT_TRUE(e.available().empty());
  e.set({"http://a:1"});
  EXPECT_EQ(e.available().size(), 1u);
  e.set({});
  EXPECT_TRUE(e.all().empty());
}

TEST(Endpoints, ZeroWaitStillSkipsWithinTheSameInstant) {
  ManualClock clock;
  Endpoints e(clock, 0, 1);
  e.set({"http://a:1"});
  EXPECT_TRUE(e.mark_failed("http://a:1"));
  EXPECT_TRUE(e.available().empty());
  clock.advance_ns(1);
  EXPECT_EQ(e.available().size(), 1u);
}

}  // namespace
}  // namespace etcd::proxy
