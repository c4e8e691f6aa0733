// Leases in the keyspace: grant, attach by put, revoke deleting the attached keys at one
// revision, and puts naming a missing lease refused (directly and inside a txn).
#include <cstdio>

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

// lease_keys reads the partial index of leased rows: a key whose history carries the
// lease several times is listed once, only while its live row does; compaction and
// deletes keep the index in step with the rows.
TEST_F(MvccLease, AttachedKeysFollowTheLiveRowThroughHistoryDeletesAndCompaction) {
  put("k", "1", 3);
  put("k", "2");     // detached
  put("k", "3", 3);  // attached again: two rows of k carry lease 3
  put("m", "1", 3);
  put("m", "2", 3);
  put("d", "1", 3);
  del("d");
  for (int i = 0; i < 50; ++i)
    put("free/" + std::to_string(i), "v");
  EXPECT_EQ(kv_->lease_keys(3), (std::vector<std::string>{"k", "m"}));
  put("d", "2", 3);  // a new generation under the same lease
  ASSERT_TRUE(compact(kv_->current_revision()).ok());
  EXPECT_EQ(kv_->lease_keys(3), (std::vector<std::string>{"d", "k", "m"}));
  EXPECT_TRUE(kv_->lease_keys(0).empty()) << "lease 0 is no lease, not every unleased key";
}

// A database written before the index existed gets it when the store opens: lease_keys'
// statement names the index (INDEXED BY), so without it the process would abort.
TEST_F(MvccLease, TheLeaseIndexIsBuiltForAnExistingDatabase) {
  const std::string path = ::testing::TempDir() + "mvcc_lease_index_" +
                           std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                           ".db";
  for (const char* suffix : {"", "-wal", "-shm"})
    std::remove((path + suffix).c_str());
  open(path);
  put("a", "1", 3);
  put("b", "1", 4);
  db_->exec("DROP INDEX mvcc_revisions_by_lease");
  open(path);
  EXPECT_EQ(kv_->lease_keys(3), (std::vector<std::string>{"a"}));
  kv_.reset();
  db_.reset();
  for (const char* suffix : {"", "-wal", "-shm"})
    std::remove((path + suffix).c_str());
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
