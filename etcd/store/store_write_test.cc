// Set, create (incl. in-order keys), update and compare-and-swap, checked against the
// responses observed on etcd 3.4.23 (shared/reference/etcd-v2-wire.md).
#include <gtest/gtest.h>

#include "etcd/store/store_test_util.h"

namespace etcd::store::testing {
namespace {

using StoreWrite = StoreTest;

TEST_F(StoreWrite, SetNewKeyCreatesFile) {
  Event e = ok(put("/a", "1"));
  EXPECT_EQ(e.action, Action::set);
  EXPECT_EQ(e.node.key, "/a");
  EXPECT_EQ(e.node.value, "1");
  EXPECT_FALSE(e.node.dir);
  EXPECT_EQ(e.node.created_index, idx(1));
  EXPECT_EQ(e.node.modified_index, idx(1));
  EXPECT_EQ(e.node.expiration_ns, 0);
  EXPECT_FALSE(e.prev_node);
  EXPECT_EQ(e.etcd_index, idx(1));
  EXPECT_TRUE(e.created());
  EXPECT_EQ(store_->index(), idx(1));
}

TEST_F(StoreWrite, SetExistingKeyReplacesItWithNewCreatedIndex) {
  ok(put("/a", "1"));
  Event e = ok(put("/a", "2"));
  EXPECT_EQ(e.action, Action::set);
  EXPECT_EQ(e.node.value, "2");
  EXPECT_EQ(e.node.created_index, idx(2));
  ASSERT_TRUE(e.prev_node);
  EXPECT_EQ(e.prev_node->value, "1");
  EXPECT_EQ(e.prev_node->created_index, idx(1));
  EXPECT_FALSE(e.created());
}

TEST_F(StoreWrite, EmptyValueIsAValue) {
  Event e = ok(put("/emp", ""));
  ASSERT_TRUE(e.node.value.has_value());
  EXPECT_EQ(*e.node.value, "");
}

TEST_F(StoreWrite, SetCleansThePath) {
  EXPECT_EQ(ok(put("a//b/../c/", "v")).node.key, "/a/c");
}

TEST_F(StoreWrite, ImplicitParentsGetTheCreatingWritesIndex) {
  ok(put("/a", "1"));
  ok(put("/x/y/z", "v"));
  for (const char* dir : {"/x", "/x/y"}) {
    auto got = get(dir);
    ASSERT_TRUE(got.ok()) << dir;
    EXPECT_TRUE(got->node.dir);
    EXPECT_EQ(got->node.created_index, idx(2)) << dir;
    EXPECT_EQ(got->node.modified_index, idx(2)) << dir;
  }
}

TEST_F(StoreWrite, CreateFailsWhenTheKeyExists) {
  Request create = put("/a", "1");
  create.prev_exist = false;
  Event e = ok(create);
  EXPECT_EQ(e.action, Action::create);
  EXPECT_TRUE(e.created());
  StoreError err = fails(create);
  EXPECT_EQ(err.code, ErrorCode::node_exist);
  EXPECT_EQ(err.cause, "/a");
  EXPECT_EQ(err.index, idx(1));

  Request dir = mkdir("/d");
  dir.prev_exist = false;
  EXPECT_EQ(ok(dir).action, Action::create);
  EXPECT_EQ(fails(dir).code, ErrorCode::node_exist);
}

TEST_F(StoreWrite, CreateIgnoresPrevValue) {
  Request r = put("/newk", "1");
  r.prev_exist = false;
  r.prev_value = "zz";
  EXPECT_EQ(ok(r).action, Action::create);
}

TEST_F(StoreWrite, InOrderKeysAreZeroPaddedIndexes) {
  Event first = ok(post("/q", "a"));
  EXPECT_EQ(first.action, Action::create);
  EXPECT_EQ(first.node.key, "/q/00000000000000000001");
  EXPECT_EQ(first.node.created_index, idx(1));
  EXPECT_EQ(ok(post("/q", "b")).node.key, "/q/00000000000000000002");
  Request dir = post("/q", "");
  dir.dir = true;
  Event d = ok(dir);
  EXPECT_EQ(d.node.key, "/q/00000000000000000003");
  EXPECT_TRUE(d.node.dir);
  // POST on the root is allowed (observed).
  EXPECT_EQ(ok(post("/", "r")).node.key, "/00000000000000000004");
  auto listing = get("/q");
  ASSERT_TRUE(listing.ok());
  EXPECT_EQ(keys_of(listing->node.children),
            (std::vector<std::string>{"/q/00000000000000000001", "/q/00000000000000000002",
                                      "/q/00000000000000000003"}));
}

TEST_F(StoreWrite, PostUnderAFileIsNotADirectoryAndCountsAFailedSet) {
  ok(put("/f", "1"));
  StoreError err = fails(post("/f", "x"));
  EXPECT_EQ(err.code, ErrorCode::not_dir);
  EXPECT_EQ(err.cause, "/f");
  // etcd's internalCreate counts a failed set on top of the failed create (observed).
  EXPECT_EQ(store_->stats().create_fail, 1u);
  EXPECT_EQ(store_->stats().sets_fail, 1u);
}

TEST_F(StoreWrite, ValueOrDirPutOnADirectoryIsNotAFile) {
  ok(mkdir("/d"));
  StoreError err = fails(put("/d", "1"));
  EXPECT_EQ(err.code, ErrorCode::not_file);
  EXPECT_EQ(err.cause, "/d");
  EXPECT_EQ(fails(mkdir("/d")).code, ErrorCode::not_file);
}

TEST_F(StoreWrite, DirPutOnAFileReplacesItWithAnEmptyDirectory) {
  ok(put("/f1", "v"));
  Event e = ok(mkdir("/f1"));
  EXPECT_EQ(e.action, Action::set);
  EXPECT_TRUE(e.node.dir);
  EXPECT_FALSE(e.node.value);
  EXPECT_EQ(e.node.created_index, idx(2));
  ASSERT_TRUE(e.prev_node);
  EXPECT_EQ(e.prev_node->value, "v");
  auto got = get("/f1");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->node.dir);
  EXPECT_TRUE(got->node.children.empty());
}

TEST_F(StoreWrite, KeyUnderAFileNamesTheFile) {
  ok(put("/a", "1"));
  for (const char* path : {"/a/b", "/a/b/c"}) {
    StoreError err = fails(put(path, "2"));
    EXPECT_EQ(err.code, ErrorCode::not_dir) << path;
    EXPECT_EQ(err.cause, "/a") << path;
    EXPECT_EQ(err.index, idx(1));
  }
  ok(put("/x/f", "1"));
  EXPECT_EQ(fails(put("/x/f/g/h", "1")).cause, "/x/f");
}

TEST_F(StoreWrite, RootIsReadOnly) {
  Request set = put("/", "1");
  Request update = put("/", "1");
  update.prev_exist = true;
  Request create = put("/", "1");
  create.prev_exist = false;
  Request cas = put("/", "1");
  cas.prev_value = "x";
  Request refresh = with_ttl(put("/", ""), 5);
  refresh.refresh = true;
  for (const Request& r : {set, update, create, cas, refresh, mkdir("/")}) {
    StoreError err = fails(r);
    EXPECT_EQ(err.code, ErrorCode::root_read_only);
    EXPECT_EQ(err.cause, "/");
  }
}

TEST_F(StoreWrite, UpdateKeepsCreatedIndexAndClearsTtl) {
  ok(with_ttl(put("/f1", "v"), 100));
  Request update = put("/f1", "w");
  update.prev_exist = true;
  Event e = ok(update);
  EXPECT_EQ(e.action, Action::update);
  EXPECT_EQ(e.node.value, "w");
  EXPECT_EQ(e.node.created_index, idx(1));
  EXPECT_EQ(e.node.modified_index, idx(2));
  EXPECT_EQ(e.node.expiration_ns, 0);
  ASSERT_TRUE(e.prev_node);
  EXPECT_EQ(e.prev_node->ttl_s, 100);
  EXPECT_FALSE(e.created());
}

TEST_F(StoreWrite, UpdateOfAMissingKeyIsNotFound) {
  Request update = put("/newk2", "1");
  update.prev_exist = true;
  StoreError err = fails(update);
  EXPECT_EQ(err.code, ErrorCode::key_not_found);
  EXPECT_EQ(err.cause, "/newk2");
}

TEST_F(StoreWrite, UpdateWithADirFlagOnAFileWritesAnEmptyValue) {
  ok(put("/f1", "w"));
  Request r = mkdir("/f1");
  r.prev_exist = true;
  Event e = ok(r);
  EXPECT_EQ(e.action, Action::update);
  EXPECT_FALSE(e.node.dir);
  EXPECT_EQ(e.node.value, "");
}

TEST_F(StoreWrite, UpdateOfADirectoryValueIsNotAFile) {
  ok(mkdir("/td"));
  Request r = put("/td", "x");
  r.prev_exist = true;
  StoreError err = fails(r);
  EXPECT_EQ(err.code, ErrorCode::not_file);
  EXPECT_EQ(err.cause, "/td");
}

TEST_F(StoreWrite, DirectoryTtlUpdateKeepsTheStoredModifiedIndex) {
  ok(with_ttl(mkdir("/td"), 100));
  Request r = with_ttl(mkdir("/td"), 200);
  r.prev_exist = true;
  Event e = ok(r);
  EXPECT_EQ(e.action, Action::update);
  EXPECT_TRUE(e.node.dir);
  EXPECT_EQ(e.node.ttl_s, 200);
  EXPECT_EQ(e.node.modified_index, idx(2));
  EXPECT_EQ(e.node.created_index, idx(1));
  EXPECT_EQ(e.prev_node->ttl_s, 100);
  // Observed on etcd 3.4: the directory itself keeps modifiedIndex 1.
  auto got = get("/td");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->node.modified_index, idx(1));
  EXPECT_EQ(got->node.expiration_ns, kNow + 200 * kSecond);
}

struct CasRow {
  const char* prev_value;
  uint64_t prev_index;
  const char* cause;  // nullptr = success
};

TEST_F(StoreWrite, CompareAndSwapCausesMatchEtcd) {
  ok(put("/a", "1"));
  ok(put("/a", "2"));  // value "2", modifiedIndex 2
  const CasRow rows[] = {
      {"nope", 0, "[nope != 2]"}, {"", 1, "[1 != 2]"},        {"nope", 1, "[nope != 2] [1 != 2]"},
      {"2", 1, "[1 != 2]"},       {"nope", 2, "[nope != 2]"},
  };
  for (const CasRow& row : rows) {
    Request r = put("/a", "3");
    r.prev_value = row.prev_value;
    r.prev_index = idx(row.prev_index);
    StoreError err = fails(r);
    EXPECT_EQ(err.code, ErrorCode::test_failed);
    EXPECT_EQ(err.cause, row.cause);
    EXPECT_EQ(err.index, idx(2));
  }
  EXPECT_EQ(store_->stats().compare_and_swap_fail, 5u);
}

TEST_F(StoreWrite, CompareAndSwapSucceedsOnMatch) {
  ok(put("/a", "1"));
  uint64_t modified = 1;
  const CasRow rows[] = {{"1", 0, nullptr}, {"", 2, nullptr}, {"y", 3, nullptr}};
  const char* values[] = {"x", "y", "z"};
  for (size_t i = 0; i < 3; ++i) {
    Request r = put("/a", values[i]);
    r.prev_value = rows[i].prev_value;
    r.prev_index = idx(rows[i].prev_index);
    if (i == 0) r.prev_exist = true;  // prevExist=true plus a compare is still a CAS
    Event e = ok(r);
    EXPECT_EQ(e.action, Action::compare_and_swap);
    EXPECT_EQ(e.node.value, values[i]);
    EXPECT_EQ(e.node.created_index, idx(1));
    EXPECT_EQ(e.node.modified_index, idx(modified + 1));
    EXPECT_EQ(e.prev_node->modified_index, idx(modified));
    ++modified;
  }
  EXPECT_EQ(store_->stats().compare_and_swap_success, 3u);
}

TEST_F(StoreWrite, CompareAndSwapOnADirectoryOrMissingKey) {
  ok(mkdir("/d"));
  Request r = put("/d", "1");
  r.prev_value = "x";
  StoreError err = fails(r);
  EXPECT_EQ(err.code, ErrorCode::not_file);
  EXPECT_EQ(err.cause, "/d");
  r.path = "/missing";
  EXPECT_EQ(fails(r).code, ErrorCode::key_not_found);
}

TEST_F(StoreWrite, PrevIndexZeroIsAPlainSet) {
  ok(put("/a", "1"));
  Request r = put("/a", "3");
  r.prev_index = idx(0);
  EXPECT_EQ(ok(r).action, Action::set);
}

TEST_F(StoreWrite, StatsCountEachOperation) {
  ok(put("/a", "1"));       // set ok
  fails(put("/a/b", "1"));  // set fail
  Request create = put("/c", "1");
  create.prev_exist = false;
  ok(create);     // create ok
  fails(create);  // create fail
  Request update = put("/a", "2");
  update.prev_exist = true;
  ok(update);  // update ok
  update.path = "/zz";
  fails(update);  // update fail
  Request cas = put("/a", "3");
  cas.prev_value = "2";
  ok(cas);     // cas ok
  fails(cas);  // cas fail
  Stats s = store_->stats();
  EXPECT_EQ(s.sets_success, 1u);
  EXPECT_EQ(s.sets_fail, 1u);
  EXPECT_EQ(s.create_success, 1u);
  EXPECT_EQ(s.create_fail, 1u);
  EXPECT_EQ(s.update_success, 1u);
  EXPECT_EQ(s.update_fail, 1u);
  EXPECT_EQ(s.compare_and_swap_success, 1u);
  EXPECT_EQ(s.compare_and_swap_fail, 1u);
}

TEST_F(StoreWrite, FailedWritesChangeNothing) {
  ok(put("/a", "1"));
  fails(put("/a/b", "x"));
  Request create = put("/a", "2");
  create.prev_exist = false;
  fails(create);
  EXPECT_EQ(store_->index(), idx(1));
  auto root = get("/", true);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(keys_of(root->node.children), std::vector<std::string>{"/a"});
}

TEST_F(StoreWrite, QuorumGetGoesThroughApply) {
  ok(put("/a", "1"));
  Event e = ok(quorum_get("/a"));
  EXPECT_EQ(e.action, Action::get);
  EXPECT_EQ(e.node.value, "1");
  EXPECT_EQ(e.etcd_index, idx(1));
  EXPECT_EQ(store_->stats().gets_success, 1u);
  EXPECT_EQ(fails(quorum_get("/nope")).code, ErrorCode::key_not_found);
}

}  // namespace
}  // namespace etcd::store::testing
