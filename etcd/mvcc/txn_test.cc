// Txn: compares (each target and result, over ranges, on missing keys), one main revision
// with sub revisions, reads seeing earlier writes, read-only txns, nested txns deciding
// against the state before the txn, up-front checks, and etcd's response revisions.
#include "etcd/mvcc/describe.h"
#include "etcd/mvcc/mvcc_test_util.h"

namespace etcd::mvcc::testing {
namespace {

using T = CompareTarget;
using R = CompareResult;

class MvccTxn : public MvccTest {
 protected:
  bool holds(Compare c) {
    TxnRequest t;
    t.compare.push_back(std::move(c));
    return must(txn(t)).succeeded;
  }
};

TEST_F(MvccTxn, CompareTargetsAndResults) {
  put("a", "v1", 5);  // rev 2
  put("a", "v2", 5);  // rev 3
  EXPECT_TRUE(holds(cmp(T::kVersion, R::kEqual, "a", 2)));
  EXPECT_TRUE(holds(cmp(T::kVersion, R::kGreater, "a", 1)));
  EXPECT_TRUE(holds(cmp(T::kVersion, R::kLess, "a", 3)));
  EXPECT_TRUE(holds(cmp(T::kVersion, R::kNotEqual, "a", 0)));
  EXPECT_TRUE(holds(cmp(T::kCreate, R::kEqual, "a", 2)));
  EXPECT_TRUE(holds(cmp(T::kMod, R::kEqual, "a", 3)));
  EXPECT_TRUE(holds(cmp(T::kLease, R::kEqual, "a", 5)));
  EXPECT_TRUE(holds(cmp(T::kValue, R::kEqual, "a", 0, "v2")));
  EXPECT_TRUE(holds(cmp(T::kValue, R::kGreater, "a", 0, "v1")));
  EXPECT_TRUE(holds(cmp(T::kValue, R::kLess, "a", 0, "v3")));
  EXPECT_FALSE(holds(cmp(T::kValue, R::kNotEqual, "a", 0, "v2")));
  EXPECT_FALSE(holds(cmp(T::kMod, R::kGreater, "a", 3)));
}

TEST_F(MvccTxn, MissingKeysCompareAsZeroButNeverByValue) {
  EXPECT_TRUE(holds(cmp(T::kVersion, R::kEqual, "nope", 0)));
  EXPECT_TRUE(holds(cmp(T::kCreate, R::kEqual, "nope", 0)));
  EXPECT_TRUE(holds(cmp(T::kLease, R::kEqual, "nope", 0)));
  EXPECT_FALSE(holds(cmp(T::kValue, R::kEqual, "nope", 0, "")));
  EXPECT_FALSE(holds(cmp(T::kValue, R::kNotEqual, "nope", 0, "x")));
}

TEST_F(MvccTxn, RangeComparesNeedEveryKeyToPass) {
  put("k1", "1");
  put("k2", "1");
  put("k2", "2");
  EXPECT_TRUE(holds(cmp(T::kVersion, R::kGreater, "k", 0, "", "l")));
  EXPECT_FALSE(holds(cmp(T::kVersion, R::kEqual, "k", 1, "", "l")));
  EXPECT_TRUE(holds(cmp(T::kValue, R::kGreater, "k", 0, "0", std::string(1, '\0'))));
  EXPECT_FALSE(holds(cmp(T::kValue, R::kEqual, "x", 0, "", "z")));  // empty range, VALUE
  EXPECT_TRUE(holds(cmp(T::kVersion, R::kEqual, "x", 0, "", "z")));
}

TEST_F(MvccTxn, ChangesShareOneMainRevisionWithIncreasingSubs) {
  put("c", "old");  // rev 2
  TxnRequest t;
  t.success = {op_put("a", "1"), op_range("a"), op_put("b", "2"), op_delete("c")};
  std::vector<Event> events;
  auto response = must(txn(t, &events));
  EXPECT_TRUE(response.succeeded);
  EXPECT_EQ(response.revision, 3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].revision, (Revision{3, 0}));
  EXPECT_EQ(events[1].revision, (Revision{3, 1}));
  EXPECT_EQ(events[2].revision, (Revision{3, 2}));
  EXPECT_EQ(events[2].type, EventType::kDelete);
  // The read sees the put before it, and the txn's revision as current.
  const auto& read = std::get<RangeResponse>(response.responses[1]);
  EXPECT_EQ(read.revision, 3);
  EXPECT_EQ(read.kvs.at(0), (KeyValue{"a", 3, 3, 1, "1", 0}));
  EXPECT_EQ(std::get<PutResponse>(response.responses[0]).revision, 3);
  EXPECT_EQ(std::get<DeleteRangeResponse>(response.responses[3]).deleted, 1);
  EXPECT_EQ(kv_->current_revision(), 3);
}

TEST_F(MvccTxn, FailureBranchRunsWhenACompareFails) {
  put("a", "1");
  TxnRequest t;
  t.compare = {cmp(T::kValue, R::kEqual, "a", 0, "2")};
  t.success = {op_put("a", "then")};
  t.failure = {op_put("a", "else")};
  auto response = must(txn(t));
  EXPECT_FALSE(response.succeeded);
  EXPECT_EQ(get("a")->value, "else");
}

TEST_F(MvccTxn, ReadOnlyTxnsAndTxnsThatChangeNothingKeepTheRevision) {
  put("a", "1");
  TxnRequest reads;
  reads.success = {op_range("a"), op_range("b")};
  auto response = must(txn(reads));
  EXPECT_EQ(response.revision, 2);
  EXPECT_EQ(kv_->current_revision(), 2);
  TxnRequest empty_delete;
  empty_delete.success = {op_delete("zz"), op_range("a")};
  auto nothing = must(txn(empty_delete));
  EXPECT_EQ(nothing.revision, 2);
  EXPECT_EQ(std::get<DeleteRangeResponse>(nothing.responses[0]).revision, 2);
  EXPECT_EQ(must(txn(TxnRequest{})).revision, 2);
}

TEST_F(MvccTxn, DeleteResponseRevisionFollowsEarlierChanges) {
  TxnRequest t;
  t.success = {op_put("a", "1"), op_delete("zz")};
  auto response = must(txn(t));
  EXPECT_EQ(std::get<DeleteRangeResponse>(response.responses[1]).revision, 2);
}

TEST_F(MvccTxn, NestedComparesSeeTheStateBeforeTheTxn) {
  TxnRequest inner;
  inner.compare = {cmp(T::kVersion, R::kEqual, "a", 0)};  // true before the txn
  inner.success = {op_put("b", "inner-then")};
  inner.failure = {op_put("b", "inner-else")};
  TxnRequest outer;
  outer.success = {op_put("a", "1"), op_txn(inner)};
  std::vector<Event> events;
  auto response = must(txn(outer, &events));
  EXPECT_EQ(get("b")->value, "inner-then");
  const auto& nested = *std::get<std::shared_ptr<TxnResponse>>(response.responses[1]);
  EXPECT_TRUE(nested.succeeded);
  EXPECT_EQ(nested.revision, 0);  // etcd fills only the top-level header
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].revision, (Revision{2, 1}));
}

TEST_F(MvccTxn, ChecksRunBeforeAnythingIsWritten) {
  put("a", "1");
  TxnRequest future;
  future.success = {op_put("b", "1"), op_range("a", "", 3)};  // 3 is this txn's revision
  auto failed = txn(future);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "mvcc: required revision is a future revision");
  EXPECT_FALSE(get("b"));
  TxnRequest ignore;
  PutRequest keep{"missing", "", 0, false, true};
  ignore.success = {op_put("b", "1"), keep};
  auto missing = txn(ignore);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "etcdserver: key not found");
  EXPECT_EQ(kv_->current_revision(), 2);
  // Only the chosen branch is checked.
  TxnRequest other_branch;
  other_branch.failure = {keep};
  EXPECT_TRUE(txn(other_branch).ok());
}

TEST_F(MvccTxn, CompactedRangeInsideATxn) {
  put("a", "1");
  put("a", "2");
  ASSERT_TRUE(compact(3).ok());
  TxnRequest t;
  t.success = {op_range("a", "", 2)};
  auto failed = txn(t);
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(is(failed.error(), ErrorCode::kCompacted));
  t.success = {op_range("a", "", 3)};
  EXPECT_EQ(std::get<RangeResponse>(must(txn(t)).responses[0]).kvs.at(0).value, "2");
}

TEST_F(MvccTxn, DuplicateKeysAreRefused) {
  TxnRequest t;
  t.success = {op_put("a", "1"), op_put("a", "2")};
  auto failed = txn(t);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "etcdserver: duplicate key given in txn request");
  EXPECT_EQ(kv_->current_revision(), 1);
}

TEST_F(MvccTxn, OverlappingDeletesDeleteOnce) {
  put("a", "1");
  put("b", "1");
  TxnRequest t;
  t.success = {op_delete("a", "c"), op_delete("b")};
  std::vector<Event> events;
  auto response = must(txn(t, &events));
  EXPECT_EQ(std::get<DeleteRangeResponse>(response.responses[0]).deleted, 2);
  EXPECT_EQ(std::get<DeleteRangeResponse>(response.responses[1]).deleted, 0);
  EXPECT_EQ(events.size(), 2u);
}

}  // namespace
}  // namespace etcd::mvcc::testing
