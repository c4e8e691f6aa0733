// The event feed for watchers: events from a start revision, prev_kv from history,
// limits at revision boundaries, compaction errors.
#include "etcd/mvcc/describe.h"
#include "etcd/mvcc/mvcc_test_util.h"

namespace etcd::mvcc::testing {
namespace {

class MvccEvents : public MvccTest {
 protected:
  std::string events(int64_t first, int64_t last = 0, size_t limit = 0, bool prev = true) {
    return describe(kv_->events(first, last, limit, prev));
  }
};

TEST_F(MvccEvents, HistoryMatchesWhatTheWritesReported) {
  std::vector<Event> live;
  ASSERT_TRUE(put(PutRequest{"a", "1"}, &live).ok());
  ASSERT_TRUE(put(PutRequest{"a", "2"}, &live).ok());
  TxnRequest t;
  t.success = {op_put("b", "1"), op_delete("a")};
  ASSERT_TRUE(txn(t, &live).ok());
  EXPECT_EQ(events(1), describe(live));
  EXPECT_EQ(events(4),
            "PUT@4.0{b c4 m4 v1 =1 l0} prev-\n"
            "DEL@4.1{a c0 m4 v0 = l0} prev{a c2 m3 v2 =2 l0}\n");
  EXPECT_EQ(events(3, 3), "PUT@3.0{a c2 m3 v2 =2 l0} prev{a c2 m2 v1 =1 l0}\n");
  EXPECT_EQ(events(5), "");
  EXPECT_EQ(events(3, 3, 0, false), "PUT@3.0{a c2 m3 v2 =2 l0} prev-\n");
}

TEST_F(MvccEvents, LimitNeverSplitsARevision) {
  put("a", "1");
  TxnRequest t;
  t.success = {op_put("b", "1"), op_put("c", "1")};
  ASSERT_TRUE(txn(t).ok());
  put("d", "1");
  auto some = must(kv_->events(1, 0, 2, false));
  ASSERT_EQ(some.size(), 3u);
  EXPECT_EQ(some.back().revision, (Revision{3, 1}));
  EXPECT_EQ(must(kv_->events(1, 0, 1, false)).size(), 1u);
}

TEST_F(MvccEvents, CompactedStartIsAnError) {
  put("a", "1");  // 2
  put("a", "2");  // 3
  put("b", "1");  // 4
  del("b");       // 5
  put("a", "3");  // 6
  ASSERT_TRUE(compact(5).ok());
  auto compacted = kv_->events(4, 0, 0, true);
  ASSERT_FALSE(compacted.ok());
  EXPECT_TRUE(is(compacted.error(), ErrorCode::kCompacted));
  EXPECT_EQ(kv_->compact_revision(), 5);
  // From the compact revision: what survived (b's delete at 5 did not, as in etcd).
  EXPECT_EQ(events(5), "PUT@6.0{a c2 m6 v3 =3 l0} prev{a c2 m3 v2 =2 l0}\n");
}

}  // namespace
}  // namespace etcd::mvcc::testing
