#include "etcd/common/result.h"

#include <gtest/gtest.h>

namespace etcd {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return Error{"not positive"};
  return v;
}

TEST(Result, CarriesValueOrError) {
  auto good = parse_positive(3);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  auto bad = parse_positive(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "not positive");
}

TEST(Result, VoidResult) {
  Result<void> ok = Ok{};
  EXPECT_TRUE(ok.ok());
  Result<void> err = Error{"nope"};
  EXPECT_FALSE(err.ok());
  EXPECT_EQ(err.error().message, "nope");
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  auto bad = parse_positive(0);
  EXPECT_DEATH((void)bad.value(), "value\\(\\) on an error Result");
}

}  // namespace
}  // namespace etcd
