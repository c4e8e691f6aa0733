#include "etcd/common/ids.h"

#include <type_traits>

#include <gtest/gtest.h>

namespace etcd {
namespace {

TEST(StrongIds, ArithmeticAndOrdering) {
  Index i{5};
  ++i;
  EXPECT_EQ(i, Index{6});
  EXPECT_EQ(i + 4, Index{10});
  EXPECT_EQ(Index{10} - Index{4}, 6u);
  EXPECT_LT(Term{1}, Term{2});
  EXPECT_EQ(kNoNode.value, 0u);
}

TEST(StrongIds, TermAndIndexAreDistinctTypes) {
  static_assert(!std::is_convertible_v<Term, Index>);
  static_assert(!std::is_convertible_v<uint64_t, Term>);
  SUCCEED();
}

}  // namespace
}  // namespace etcd
