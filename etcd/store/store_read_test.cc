// GET: files, directory listings (direct and recursive), hidden keys, the root, errors.
#include <gtest/gtest.h>

#include "etcd/store/store_test_util.h"

namespace etcd::store::testing {
namespace {

using StoreRead = StoreTest;

TEST_F(StoreRead, GetsAFile) {
  ok(put("/a", "1"));
  ok(put("/b", "2"));
  auto got = get("/a");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->action, Action::get);
  EXPECT_EQ(got->node.key, "/a");
  EXPECT_EQ(got->node.value, "1");
  EXPECT_EQ(got->node.created_index, idx(1));
  EXPECT_EQ(got->node.modified_index, idx(1));
  EXPECT_EQ(got->etcd_index, idx(2));  // the current index, not the node's
  EXPECT_FALSE(got->prev_node);
}

TEST_F(StoreRead, MissingKeyNamesTheFirstMissingComponent) {
  ok(put("/a/b", "1"));
  struct Row {
    const char* path;
    const char* cause;
  } rows[] = {{"/nope/x", "/nope"}, {"/a/x/y", "/a/x"}, {"/a/c", "/a/c"}, {"/zzz", "/zzz"}};
  for (const Row& row : rows) {
    auto got = get(row.path);
    ASSERT_FALSE(got.ok()) << row.path;
    EXPECT_EQ(got.error().code, ErrorCode::key_not_found);
    EXPECT_EQ(got.error().cause, row.cause);
    EXPECT_EQ(got.error().index, idx(1));
  }
}

TEST_F(StoreRead, KeyBelowAFileIsNotADirectory) {
  ok(put("/a/b", "1"));
  for (const char* path : {"/a/b/c", "/a/b/c/d"}) {
    auto got = get(path);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().code, ErrorCode::not_dir);
    EXPECT_EQ(got.error().cause, "/a/b");
  }
}

TEST_F(StoreRead, DirectoryListsDirectChildrenSortedWithoutGrandchildren) {
  ok(put("/d/b", "2"));
  ok(put("/d/a", "1"));
  ok(put("/d/c/x", "3"));
  auto got = get("/d");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->node.dir);
  EXPECT_FALSE(got->node.value);
  EXPECT_EQ(keys_of(got->node.children), (std::vector<std::string>{"/d/a", "/d/b", "/d/c"}));
  const Node& sub = got->node.children[2];
  EXPECT_TRUE(sub.dir);
  EXPECT_TRUE(sub.children.empty());
  EXPECT_EQ(sub.created_index, idx(3));
}

TEST_F(StoreRead, RecursiveListingNestsInKeyOrder) {
  // "/t/b-x" sorts between "/t/b" and "/t/b/c" in byte order; nesting must not care.
  ok(put("/t/b/c", "1"));
  ok(put("/t/b-x", "2"));
  ok(put("/t/a", "0"));
  ok(put("/t/b/d/e", "3"));
  auto got = get("/t", true);
  ASSERT_TRUE(got.ok());
  const auto& top = got->node.children;
  ASSERT_EQ(keys_of(top), (std::vector<std::string>{"/t/a", "/t/b", "/t/b-x"}));
  EXPECT_EQ(keys_of(top[1].children), (std::vector<std::string>{"/t/b/c", "/t/b/d"}));
  ASSERT_EQ(top[1].children[1].children.size(), 1u);
  EXPECT_EQ(top[1].children[1].children[0].value, "3");
  EXPECT_EQ(top[2].value, "2");
}

TEST_F(StoreRead, HiddenKeysAreLeftOutOfListingsButReadableDirectly) {
  ok(put("/h/_x", "1"));
  ok(put("/h/v", "2"));
  ok(put("/h/_d/y", "3"));
  ok(put("/h/s/_z", "4"));
  auto listing = get("/h", true);
  ASSERT_TRUE(listing.ok());
  ASSERT_EQ(keys_of(listing->node.children), (std::vector<std::string>{"/h/s", "/h/v"}));
  EXPECT_TRUE(listing->node.children[0].children.empty());
  EXPECT_EQ(keys_of(get("/h")->node.children), (std::vector<std::string>{"/h/s", "/h/v"}));
  EXPECT_EQ(get("/h/_x")->node.value, "1");
  // A hidden directory lists its own children.
  EXPECT_EQ(keys_of(get("/h/_d")->node.children), std::vector<std::string>{"/h/_d/y"});
  // A directory with only hidden children shows no children.
  EXPECT_TRUE(get("/h/s")->node.children.empty());
}

TEST_F(StoreRead, RootIsADirectoryWithoutIndexes) {
  ok(put("/a", "1"));
  ok(put("/_hidden", "1"));
  auto got = get("/");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->node.key, "/");
  EXPECT_TRUE(got->node.dir);
  EXPECT_EQ(got->node.created_index, idx(0));
  EXPECT_EQ(got->node.modified_index, idx(0));
  EXPECT_EQ(keys_of(got->node.children), std::vector<std::string>{"/a"});
  EXPECT_EQ(got->etcd_index, idx(2));
}

TEST_F(StoreRead, EmptyDirectoryHasNoChildren) {
  ok(mkdir("/e"));
  auto got = get("/e", true);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->node.dir);
  EXPECT_TRUE(got->node.children.empty());
}

TEST_F(StoreRead, GetCleansThePathAndCountsStats) {
  ok(put("/a/b", "1"));
  EXPECT_EQ(get("a//b/")->node.key, "/a/b");
  EXPECT_FALSE(get("/nope").ok());
  Stats s = store_->stats();
  EXPECT_EQ(s.gets_success, 1u);
  EXPECT_EQ(s.gets_fail, 1u);
}

TEST_F(StoreRead, BinaryKeysAndValuesRoundTrip) {
  std::string key = std::string("/bin/\x01\xff", 7);
  std::string value = std::string("\0\xfe\x80", 3);
  ok(put(key, value));
  auto got = get(key);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->node.value, value);
  EXPECT_EQ(keys_of(get("/bin")->node.children), std::vector<std::string>{key});
}

}  // namespace
}  // namespace etcd::store::testing
