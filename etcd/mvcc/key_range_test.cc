#include "etcd/mvcc/key_range.h"

#include <gtest/gtest.h>

namespace etcd::mvcc {
namespace {

const std::string kNul(1, '\0');

TEST(MvccKeyRange, EtcdConventions) {
  auto single = KeyRange::of("a", "");
  EXPECT_TRUE(single.contains("a"));
  EXPECT_FALSE(single.contains("a0"));
  auto from = KeyRange::of("b", kNul);
  EXPECT_FALSE(from.contains("a"));
  EXPECT_TRUE(from.contains("b"));
  EXPECT_TRUE(from.contains("\xff\xff"));
  auto all = KeyRange::of(kNul, kNul);
  EXPECT_TRUE(all.contains(kNul));
  EXPECT_TRUE(all.contains("z"));
  auto span = KeyRange::of("b", "d");
  EXPECT_TRUE(span.contains("b"));
  EXPECT_TRUE(span.contains("c\xff"));
  EXPECT_FALSE(span.contains("d"));
  auto inverted = KeyRange::of("d", "b");
  EXPECT_FALSE(inverted.contains("c"));
  EXPECT_FALSE(inverted.contains("d"));
}

TEST(MvccKeyRange, Overlaps) {
  EXPECT_TRUE(KeyRange::of("a", "c").overlaps(KeyRange::of("b", "")));
  EXPECT_FALSE(KeyRange::of("a", "c").overlaps(KeyRange::of("c", "")));
  EXPECT_TRUE(KeyRange::of("a", "c").overlaps(KeyRange::of("b", "z")));
  EXPECT_FALSE(KeyRange::of("a", "c").overlaps(KeyRange::of("c", "z")));
  EXPECT_TRUE(KeyRange::of("x", kNul).overlaps(KeyRange::of("a", "y")));
  EXPECT_FALSE(KeyRange::of("d", "b").overlaps(KeyRange::of("a", "z")));
}

TEST(MvccKeyRange, PrefixRangeEnd) {
  EXPECT_EQ(prefix_range_end("foo"), "fop");
  EXPECT_EQ(prefix_range_end("a\xff"), "b");
  EXPECT_EQ(prefix_range_end("\xff\xff"), kNul);
  EXPECT_EQ(prefix_range_end(""), kNul);
  auto prefix = KeyRange::of("ab", prefix_range_end("ab"));
  EXPECT_TRUE(prefix.contains("ab"));
  EXPECT_TRUE(prefix.contains("ab\xff\xff"));
  EXPECT_FALSE(prefix.contains("ac"));
}

}  // namespace
}  // namespace etcd::mvcc
