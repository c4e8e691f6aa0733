#include "etcd/common/log.h"

#include <gtest/gtest.h>

namespace etcd::log {
namespace {

TEST(Log, NoTimestampsUnderJournald) {
  EXPECT_EQ(pattern(true).find("%Y"), std::string::npos);
  EXPECT_NE(pattern(false).find("%Y"), std::string::npos);
}

TEST(Log, DebugFlagSetsLevel) {
  init({.debug = true, .name = "t", .force_no_timestamps = true});
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::debug);
  init({.debug = false, .name = "t", .force_no_timestamps = true});
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::info);
}

}  // namespace
}  // namespace etcd::log
