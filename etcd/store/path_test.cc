#include "etcd/store/path.h"

#include <gtest/gtest.h>

namespace etcd::store {
namespace {

TEST(CleanPath, BehavesLikeGoPathCleanOfJoinRoot) {
  struct Row {
    const char* in;
    const char* out;
  } rows[] = {
      {"", "/"},
      {"/", "/"},
      {"a", "/a"},
      {"/a/", "/a"},
      {"//a//b", "/a/b"},
      {"/a/./b", "/a/b"},
      {"/a/../b", "/b"},
      {"/..", "/"},
      {"/a/b/..", "/a"},
      {"a/b/../../..", "/"},
      {"/_x/./y", "/_x/y"},
      {"/a/.../b", "/a/.../b"},
  };
  for (const Row& row : rows)
    EXPECT_EQ(clean_path(row.in), row.out) << row.in;
}

TEST(PathParts, ParentAndBase) {
  EXPECT_EQ(parent_path("/a/b"), "/a");
  EXPECT_EQ(parent_path("/a"), "/");
  EXPECT_EQ(parent_path("/"), "");
  EXPECT_EQ(base_name("/a/b"), "b");
  EXPECT_EQ(base_name("/a"), "a");
  EXPECT_EQ(base_name("/"), "");
  EXPECT_EQ(join_path("/", "x"), "/x");
  EXPECT_EQ(join_path("/a", "x"), "/a/x");
}

TEST(PathParts, HiddenNames) {
  EXPECT_TRUE(is_hidden_name("_x"));
  EXPECT_FALSE(is_hidden_name("x_"));
  EXPECT_FALSE(is_hidden_name(""));
}

TEST(HiddenFrom, MatchesEtcdWatcherHubIsHidden) {
  struct Row {
    const char* watch;
    const char* key;
    bool hidden;
  } rows[] = {
      {"/", "/_x", true},        {"/w", "/w/_h", true},     {"/w", "/w/v", false},
      {"/w/_h", "/w/_h", false}, {"/", "/_d/x", true},      {"/_d", "/_d/x", false},
      {"/a/b", "/a", false},     {"/a", "/a/b/_c/d", true}, {"/", "/a", false},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(hidden_from(row.watch, row.key), row.hidden) << row.watch << " " << row.key;
  }
}

TEST(InOrderName, IsTwentyDigitsZeroPadded) {
  EXPECT_EQ(in_order_name(EtcdIndex(13)), "00000000000000000013");
  EXPECT_EQ(in_order_name(EtcdIndex(18446744073709551615ULL)), "18446744073709551615");
}

TEST(Descendants, BoundsEncloseExactlyTheSubtree) {
  EXPECT_EQ(descendants_lower("/a"), "/a/");
  EXPECT_EQ(descendants_upper("/a"), "/a0");
  EXPECT_EQ(descendants_lower("/"), "/");
  EXPECT_EQ(descendants_upper("/"), "0");
  std::string lower = descendants_lower("/a"), upper = descendants_upper("/a");
  for (std::string inside : {"/a/b", "/a/-", "/a/\xff"}) {
    EXPECT_TRUE(lower < inside && inside < upper) << inside;
  }
  for (std::string outside : {"/a", "/a-b", "/a.b", "/ab", "/b"}) {
    EXPECT_FALSE(lower < outside && outside < upper) << outside;
  }
}

TEST(PathCause, RootBecomesEmpty) {
  EXPECT_EQ(path_cause("/"), "");
  EXPECT_EQ(path_cause("/a"), "/a");
}

}  // namespace
}  // namespace etcd::store
