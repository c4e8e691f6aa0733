// Leases in the keyspace: grant, attach by put, revoke deleting the attached keys at one
// revision, and puts naming a missing lease refused (directly and inside a txn).
#include "etcd/mvcc/mvcc_test_util.h"

namespace etcd::mvcc {
namespace {

using namespace testing;  // NOLINT: the test helpers
using MvccLease = MvccTest;

TEST_F(MvccLease, GrantTwiceFailsAndTheTtlIsKept) {
  Transaction t(*db_);
  auto granted = kv_->lease_grant({100, 30});
  ASSERT_TRUE(granted.ok());
  EXPECT_EQ(granted->ttl, 30);
  auto again = kv_->lease_grant({100, 5});
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(is(again.error(), ErrorCode::kLeaseExists));
  EXPECT_EQ(kv_->lease_ttl(100), 30);
  EXPECT_EQ(kv_->lease_renew({100}).ttl, 30);
  EXPECT_EQ(kv_->lease_renew({101}).ttl, 0) << "renewing an unknown lease answers TTL 0";
}

TEST_F(MvccLease, RevokeDeletesTheAttachedKeysAtOneRevision) {
  put("a", "1", 3);
  put("b", "1", 4);
  put("c", "1", 3);
  put("c", "2", 3);
  EXPECT_EQ(kv_->lease_keys(3), (std::vector<std::string>{"a", "c"}));
  std::vector<Event> events;
  Result<LeaseResponse> revoked = Error{""};
  {
    Transaction t(*db_);
    revoked = kv_->lease_revoke({3}, &events);
  }
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(revoked->revision, 6);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, EventType::kDelete);
  EXPECT_EQ(events[0].revision, (Revision{6, 0}));
  EXPECT_EQ(events[1].revision, (Revision{6, 1}));
  EXPECT_FALSE(get("a"));
  EXPECT_TRUE(get("b"));
  EXPECT_FALSE(kv_->lease_ttl(3).has_value());
  Transaction t(*db_);
  auto twice = kv_->lease_revoke({3});
  ASSERT_FALSE(twice.ok());
  EXPECT_TRUE(is(twice.error(), ErrorCode::kLeaseNotFound));
}

TEST_F(MvccLease, RevokingALeaseWithoutKeysMakesNoRevision) {
  Transaction t(*db_);
  auto revoked = kv_->lease_revoke({5});
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(revoked->revision, 1);
  EXPECT_EQ(kv_->current_revision(), 1);
}

TEST_F(MvccLease, AKeyMovedToAnotherLeaseOrNoneIsNoLongerAttached) {
  put("a", "1", 3);
  put("a", "2", 4);
  put("b", "1", 3);
  put("b", "2");
  EXPECT_TRUE(kv_->lease_keys(3).empty());
  EXPECT_EQ(kv_->lease_keys(4), (std::vector<std::string>{"a"}));
}

TEST_F(MvccLease, PutsNamingAMissingLeaseAreRefusedOnlyOnThePathTaken) {
  auto direct = put(PutRequest{"a", "v", 77});
  ASSERT_FALSE(direct.ok());
  EXPECT_EQ(direct.error().message, "etcdserver: requested lease not found");
  EXPECT_EQ(kv_->current_revision(), 1);
  TxnRequest txn;
  txn.compare.push_back(cmp(CompareTarget::kVersion, CompareResult::kEqual, "a", 0));
  txn.success.push_back(op_put("a", "1"));
  txn.failure.push_back(op_put("a", "2", 77));
  auto taken = must(this->txn(txn));
  EXPECT_TRUE(taken.succeeded) << "the failure branch's lease is never checked";
  auto refused = this->txn(txn);  // now version != 0: the failure branch runs
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(is(refused.error(), ErrorCode::kLeaseNotFound));
  EXPECT_EQ(get("a")->value, "1") << "a refused txn wrote nothing";
}

// NOSPACE: raised through the log; while it is up, writes that add data fail and those
// that free space work; clearing it lets puts through again.
TEST_F(MvccLease, ANoSpaceAlarmRefusesPutsAndGrantsButNotDeletes) {
  put("a", "1");
  {
    Transaction t(*db_);
    auto raised = kv_->alarm({AlarmAction::kActivate, 7, AlarmType::kNoSpace});
    EXPECT_EQ(raised.alarms, (std::vector<AlarmMember>{{7, AlarmType::kNoSpace}}));
    EXPECT_TRUE(kv_->alarm({AlarmAction::kActivate, 7, AlarmType::kNoSpace}).alarms.empty())
        << "raising it twice changes nothing";
  }
  EXPECT_TRUE(kv_->space_exceeded());
  auto refused = put(PutRequest{"b", "v"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "etcdserver: mvcc: database space exceeded");
  TxnRequest txn;
  txn.success.push_back(op_put("b", "v"));
  EXPECT_TRUE(is(this->txn(txn).error(), ErrorCode::kNoSpace));
  {
    Transaction t(*db_);
    EXPECT_TRUE(is(kv_->lease_grant({50, 10}).error(), ErrorCode::kNoSpace));
  }
  EXPECT_EQ(del("a").deleted, 1) << "deleting frees space and stays allowed";
  EXPECT_TRUE(compact(2).ok());
  {
    Transaction t(*db_);
    EXPECT_EQ(kv_->alarm({AlarmAction::kGet, 0, AlarmType::kNone}).alarms.size(), 1u);
    EXPECT_EQ(kv_->alarm({AlarmAction::kDeactivate, 7, AlarmType::kNoSpace}).alarms.size(), 1u);
  }
  EXPECT_FALSE(kv_->space_exceeded());
  EXPECT_TRUE(put(PutRequest{"b", "v"}).ok());
}

}  // namespace
}  // namespace etcd::mvcc
