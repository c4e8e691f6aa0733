// The request checks etcd's gRPC layer makes, duplicate keys in txns above all.
#include "etcd/mvcc/validate.h"

#include "etcd/mvcc/error.h"
#include "etcd/mvcc/mvcc_test_util.h"

namespace etcd::mvcc::testing {
namespace {

const std::string kNul(1, '\0');

std::string outcome(const TxnRequest& t, int max_ops = kDefaultMaxTxnOps) {
  auto checked = validate(t, max_ops);
  return checked.ok() ? "ok" : checked.error().message;
}

TxnRequest branch(std::vector<RequestOp> success, std::vector<RequestOp> failure = {}) {
  TxnRequest t;
  t.success = std::move(success);
  t.failure = std::move(failure);
  return t;
}

const std::string kDup = "etcdserver: duplicate key given in txn request";

TEST(MvccValidate, PutTwiceOrPutAndDeleteInOneBranch) {
  EXPECT_EQ(outcome(branch({op_put("a", "1"), op_put("b", "2")})), "ok");
  EXPECT_EQ(outcome(branch({op_put("a", "1"), op_put("a", "2")})), kDup);
  EXPECT_EQ(outcome(branch({op_put("b", "1"), op_delete("a", "c")})), kDup);
  EXPECT_EQ(outcome(branch({op_delete("a", "c"), op_put("b", "1")})), kDup);
  EXPECT_EQ(outcome(branch({op_put("c", "1"), op_delete("a", "c")})), "ok");
  EXPECT_EQ(outcome(branch({op_put("z", "1"), op_delete("a", kNul)})), kDup);
  // Overlapping deletes, and reads, are fine; so are the two branches of one txn.
  EXPECT_EQ(outcome(branch({op_delete("a", "c"), op_delete("b"), op_range("a")})), "ok");
  EXPECT_EQ(outcome(branch({op_put("a", "1")}, {op_put("a", "2")})), "ok");
}

TEST(MvccValidate, NestedTxns) {
  TxnRequest inner = branch({op_put("a", "then")}, {op_put("a", "else")});
  EXPECT_EQ(outcome(branch({op_txn(inner)})), "ok");
  EXPECT_EQ(outcome(branch({op_txn(inner), op_put("a", "outer")})), kDup);
  EXPECT_EQ(outcome(branch({op_txn(inner), op_txn(inner)})), kDup);
  EXPECT_EQ(outcome(branch({op_txn(inner), op_delete("a")})), kDup);
  TxnRequest deletes = branch({op_delete("a")});
  EXPECT_EQ(outcome(branch({op_txn(deletes), op_put("a", "1")})), kDup);
  // A nested delete after a nested put of the same key (etcd 3.4 lets this one through).
  EXPECT_EQ(outcome(branch({op_txn(branch({op_put("a", "1")})), op_txn(deletes)})), kDup);
  EXPECT_EQ(outcome(branch({op_txn(branch({op_put("a", "1")}, {op_delete("a")}))})), "ok");
  TxnRequest deep = branch({op_txn(branch({op_put("a", "1"), op_put("a", "2")}))});
  EXPECT_EQ(outcome(deep), kDup);
}

TEST(MvccValidate, OperationCountsAndEmptyKeys) {
  TxnRequest many;
  for (int i = 0; i < 3; ++i)
    many.success.push_back(op_put("k" + std::to_string(i), "v"));
  EXPECT_EQ(outcome(many, 3), "ok");
  EXPECT_EQ(outcome(many, 2), "etcdserver: too many operations in txn request");
  TxnRequest nested = branch({op_txn(many)});
  EXPECT_EQ(outcome(nested, 3), "etcdserver: too many operations in txn request");
  TxnRequest empty_compare;
  empty_compare.compare.push_back(cmp(CompareTarget::kVersion, CompareResult::kEqual, "", 0));
  EXPECT_EQ(outcome(empty_compare), "etcdserver: key is not provided");
  EXPECT_EQ(outcome(branch({}, {op_delete("")})), "etcdserver: key is not provided");
  EXPECT_EQ(outcome(branch({op_range("")})), "etcdserver: key is not provided");
}

TEST(MvccValidate, PutFlags) {
  EXPECT_TRUE(validate(PutRequest{"a", "", 0, false, true, true}).ok());
  EXPECT_TRUE(
      is(validate(PutRequest{"a", "v", 0, false, true}).error(), ErrorCode::kValueProvided));
  EXPECT_TRUE(
      is(validate(PutRequest{"a", "", 1, false, false, true}).error(), ErrorCode::kLeaseProvided));
}

}  // namespace
}  // namespace etcd::mvcc::testing
