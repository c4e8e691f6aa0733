// The Lock and Election recipes (concurrency.h) against a fake member: a real keyspace
// (mvcc::KvStore on an in-memory database) and watch hub, whose work is queued and runs
// when the test calls run(), as the member's strand runs it. Every expectation follows
// etcd 3.4's clientv3/concurrency as its lock and election servers run it.
#include "etcd/v3rpc/concurrency.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <optional>

#include "etcd/mvcc/kv_store.h"
#include "etcd/mvcc/watch_hub.h"
#include "etcd/store/database.h"
#include "etcd/v3rpc/unsupported_backend_test_util.h"

namespace etcd::v3rpc::concurrency {
namespace {

class FakeMember final : public v3rpc::testing::UnsupportedBackend {
 public:
  FakeMember() {
    db_ = std::move(store::Database::open(":memory:")).value();
    kv_ = std::move(mvcc::KvStore::open(*db_)).value();
    hub_ = std::make_unique<mvcc::WatchHub>(*kv_);
  }

  // Runs queued work, and the work it queues, until none is left.
  void run() {
    while (!queue_.empty()) {
      auto task = std::move(queue_.front());
      queue_.pop_front();
      task();
    }
  }

  mvcc::KvStore& kv() { return *kv_; }
  size_t watches() const { return hub_->watch_count(); }

  int64_t grant(int64_t id) {
    Tx t(*db_);
    return kv_->lease_grant({id, 300})->id;
  }
  void revoke(int64_t id) { EXPECT_TRUE(apply(mvcc::LeaseRevokeRequest{id}).ok()); }
  int64_t del(const std::string& key) {
    mvcc::DeleteRangeRequest d;
    d.key = key;
    auto r = apply(d);
    return std::get<mvcc::DeleteRangeResponse>(*r).revision;
  }
  std::optional<mvcc::KeyValue> get(const std::string& key) {
    mvcc::RangeRequest r;
    r.key = key;
    auto got = kv_->range(r);
    if (!got || got->kvs.empty()) return std::nullopt;
    return got->kvs.front();
  }

  // ---- Backend ----
  void range(mvcc::RangeRequest request, Reply<mvcc::RangeResponse> done) override {
    post([this, request, done] { done(kv_->range(request), header()); });
  }
  void write(mvcc::WriteRequest request, Reply<mvcc::WriteResponse> done) override {
    post([this, request, done] { done(apply(request), header()); });
  }
  std::shared_ptr<WatchStream> open_watch_stream(
      std::function<void(mvcc::WatchResponse, Header)> sink) override {
    auto stream = std::make_shared<Stream>(*this);
    stream->id = hub_->open_stream([this, sink](mvcc::WatchResponse r) {
      Header h = header();
      h.revision = r.revision;
      sink(std::move(r), h);
    });
    return stream;
  }
  void lease_grant(int64_t id, int64_t ttl, Reply<mvcc::LeaseResponse> done) override {
    post([this, id, ttl, done] {
      last_grant_ttl = ttl;
      auto r = apply(mvcc::LeaseGrantRequest{id != 0 ? id : next_lease_++, ttl});
      if (!r) return done(r.error(), header());
      done(std::get<mvcc::LeaseResponse>(*r), header());
    });
  }

  int64_t last_grant_ttl = 0;

 private:
  struct Tx {
    explicit Tx(store::Database& db) : db(db) { db.exec("BEGIN"); }
    ~Tx() { db.exec("COMMIT"); }
    store::Database& db;
  };
  struct Stream final : WatchStream {
    explicit Stream(FakeMember& m) : member(m) {}
    void create(mvcc::WatchRequest r) override {
      member.post([this, r, self = alive] {
        if (*self) member.hub_->create(id, r);
      });
    }
    void cancel(int64_t watch_id) override {
      member.post([this, watch_id, self = alive] {
        if (*self) member.hub_->cancel(id, watch_id);
      });
    }
    void request_progress() override {}
    void close() override {
      *alive = false;
      member.hub_->close_stream(id);
    }
    FakeMember& member;
    uint64_t id = 0;
    std::shared_ptr<bool> alive = std::make_shared<bool>(true);
  };

  void post(std::function<void()> task) { queue_.push_back(std::move(task)); }
  Header header() { return Header{1, 2, kv_->current_revision(), 3}; }

  Result<mvcc::WriteResponse> apply(const mvcc::WriteRequest& request) {
    std::vector<mvcc::Event> events;
    Result<mvcc::WriteResponse> out = Error{"unsupported"};
    {
      Tx t(*db_);
      if (const auto* put = std::get_if<mvcc::PutRequest>(&request)) {
        out = convert(kv_->put(*put, &events));
      } else if (const auto* d = std::get_if<mvcc::DeleteRangeRequest>(&request)) {
        out = convert(kv_->delete_range(*d, &events));
      } else if (const auto* txn = std::get_if<mvcc::TxnRequest>(&request)) {
        out = convert(kv_->txn(*txn, &events));
      } else if (const auto* g = std::get_if<mvcc::LeaseGrantRequest>(&request)) {
        out = convert(kv_->lease_grant(*g));
      } else if (const auto* rv = std::get_if<mvcc::LeaseRevokeRequest>(&request)) {
        out = convert(kv_->lease_revoke(*rv, &events));
      }
    }
    if (!events.empty()) hub_->notify(events);
    return out;
  }
  template <typename T>
  static Result<mvcc::WriteResponse> convert(Result<T> r) {
    if (!r) return r.error();
    return mvcc::WriteResponse(std::move(r).value());
  }

  std::unique_ptr<store::Database> db_;
  std::unique_ptr<mvcc::KvStore> kv_;
  std::unique_ptr<mvcc::WatchHub> hub_;
  std::deque<std::function<void()>> queue_;
  int64_t next_lease_ = 1000;
};

// A recipe's answer, once it came.
template <typename T>
struct Answer {
  std::optional<Result<T>> result;
  Header header;
  Reply<T> reply() {
    return [this](Result<T> r, Header h) {
      EXPECT_FALSE(result.has_value()) << "answered twice";
      result.emplace(std::move(r));
      header = h;
    };
  }
  bool ok() const { return result.has_value() && result->ok(); }
  std::string error() const {
    return result.has_value() && !result->ok() ? result->error().message : "";
  }
};

class ConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_.grant(0x1a);
    m_.grant(0x2b);
    m_.grant(0x3c);
  }
  void TearDown() override { watches_->close(); }

  std::shared_ptr<Waiter> lock(const std::string& name, int64_t lease, Answer<std::string>& a) {
    auto w = concurrency::lock(m_, watches_, name, lease, a.reply());
    m_.run();
    return w;
  }
  std::shared_ptr<Waiter> campaign(const std::string& name, int64_t lease, const std::string& v,
                                   Answer<LeaderKey>& a) {
    auto w = concurrency::campaign(m_, watches_, name, lease, v, a.reply());
    m_.run();
    return w;
  }

  FakeMember m_;
  std::shared_ptr<WatchMux> watches_ = WatchMux::create(m_);
};

TEST(OwnerKey, GoHexOfTheLease) {
  EXPECT_EQ(owner_key("lk", 0x694d7c5ae6a6b305), "lk/694d7c5ae6a6b305");
  EXPECT_EQ(owner_key("lk", 0x1f), "lk/1f");  // no padding
  EXPECT_EQ(owner_key("", 0), "/0");
  EXPECT_EQ(owner_key("a/b", -31), "a/b/-1f");
  EXPECT_EQ(owner_key("x", INT64_MIN), "x/-8000000000000000");
}

TEST_F(ConcurrencyTest, UncontendedLockAnswersTheKeyAtOnce) {
  Answer<std::string> a;
  lock("lk", 0x1a, a);
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(**a.result, "lk/1a");
  auto kv = m_.get("lk/1a");
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->value, "");
  EXPECT_EQ(kv->lease, 0x1a);
  EXPECT_EQ(a.header.revision, kv->create_revision);
  EXPECT_EQ(a.header.cluster_id, 1u);
  EXPECT_EQ(m_.watches(), 0u);

  // Locking again with the same lease is the same acquisition.
  Answer<std::string> again;
  lock("lk", 0x1a, again);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(**again.result, "lk/1a");
  EXPECT_EQ(m_.get("lk/1a")->mod_revision, kv->mod_revision);
}

TEST_F(ConcurrencyTest, SecondLockWaitsUntilTheFirstIsUnlocked) {
  Answer<std::string> first, second;
  lock("lk", 0x1a, first);
  lock("lk", 0x2b, second);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(second.result) << "a contended lock must wait";
  ASSERT_TRUE(m_.get("lk/2b"));  // queued with its own key
  EXPECT_EQ(m_.watches(), 1u);

  Answer<void> unlocked;
  unlock(m_, "lk/1a", unlocked.reply());
  m_.run();
  ASSERT_TRUE(unlocked.ok());
  ASSERT_TRUE(second.ok()) << second.error();
  EXPECT_EQ(**second.result, "lk/2b");
  EXPECT_EQ(second.header.revision, unlocked.header.revision);  // read after the wait
  EXPECT_EQ(m_.watches(), 0u);
}

TEST_F(ConcurrencyTest, TheHoldersLeaseRevokedReleasesTheLock) {
  Answer<std::string> first, second;
  lock("lk", 0x1a, first);
  lock("lk", 0x2b, second);
  ASSERT_FALSE(second.result);
  m_.revoke(0x1a);
  m_.run();
  ASSERT_TRUE(second.ok()) << second.error();
  EXPECT_EQ(**second.result, "lk/2b");
}

TEST_F(ConcurrencyTest, AWaiterWatchesTheNewestEarlierKeyAndReadsAgain) {
  Answer<std::string> a, b, c;
  lock("lk", 0x1a, a);
  lock("lk", 0x2b, b);
  lock("lk", 0x3c, c);
  ASSERT_TRUE(a.ok());
  // c waits on b's key; b going away is not enough: a still holds.
  m_.del("lk/2b");
  m_.run();
  EXPECT_FALSE(c.result);
  EXPECT_FALSE(b.result);
  m_.del("lk/1a");
  m_.run();
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(**c.result, "lk/3c");
  // b's key went while it waited: etcd's "session is expired".
  EXPECT_EQ(b.error(), kErrSessionExpired);
}

TEST_F(ConcurrencyTest, ACanceledWaitingLockDeletesItsKey) {
  Answer<std::string> first, second;
  lock("lk", 0x1a, first);
  auto waiting = lock("lk", 0x2b, second);
  ASSERT_TRUE(m_.get("lk/2b"));
  waiting->cancel();
  m_.run();
  EXPECT_FALSE(m_.get("lk/2b"));
  EXPECT_TRUE(m_.get("lk/1a"));
  EXPECT_FALSE(second.result);
  EXPECT_EQ(m_.watches(), 0u);
  // Once answered, a cancellation changes nothing.
  Answer<std::string> third;
  auto held = lock("lk2", 0x3c, third);
  ASSERT_TRUE(third.ok());
  held->cancel();
  m_.run();
  EXPECT_TRUE(m_.get("lk2/3c"));
}

TEST_F(ConcurrencyTest, ALockCanceledBeforeItsTxnAnswersDeletesTheKeyItMade) {
  Answer<std::string> first, second;
  lock("lk", 0x1a, first);
  auto w = concurrency::lock(m_, watches_, "lk", 0x2b, second.reply());
  w->cancel();  // the txn is queued, not applied
  m_.run();
  EXPECT_FALSE(m_.get("lk/2b"));
  EXPECT_FALSE(second.result);
}

TEST_F(ConcurrencyTest, LockErrors) {
  Answer<std::string> a;
  lock("lk", 0x99, a);
  EXPECT_EQ(a.error(), "etcdserver: requested lease not found");
  EXPECT_FALSE(m_.get("lk/99"));
  Answer<void> u;
  unlock(m_, "", u.reply());
  EXPECT_EQ(u.error(), "etcdserver: key is not provided");
}

TEST_F(ConcurrencyTest, LockWithoutALeaseGetsASessionLease) {
  Answer<std::string> a;
  lock("lk", 0, a);
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(m_.last_grant_ttl, kSessionTtl);
  auto kv = m_.get(**a.result);
  ASSERT_TRUE(kv);
  EXPECT_EQ(**a.result, owner_key("lk", kv->lease));
  EXPECT_NE(kv->lease, 0);
}

TEST_F(ConcurrencyTest, CampaignProclaimResignLeader) {
  Answer<LeaderKey> a, b;
  campaign("el", 0x1a, "v1", a);
  ASSERT_TRUE(a.ok()) << a.error();
  const LeaderKey la = **a.result;
  EXPECT_EQ(la.name, "el");
  EXPECT_EQ(la.key, "el/1a");
  EXPECT_EQ(la.lease, 0x1a);
  EXPECT_EQ(la.rev, a.header.revision);
  campaign("el", 0x2b, "v2", b);
  EXPECT_FALSE(b.result);

  Answer<mvcc::KeyValue> leader;
  concurrency::leader(m_, "el", leader.reply());
  m_.run();
  ASSERT_TRUE(leader.ok());
  EXPECT_EQ((*leader.result)->key, "el/1a");
  EXPECT_EQ((*leader.result)->value, "v1");

  Answer<void> proclaimed, wrong;
  proclaim(m_, la, "v1b", proclaimed.reply());
  proclaim(m_, LeaderKey{"el", "el/1a", la.rev + 100, 0x1a}, "x", wrong.reply());
  m_.run();
  ASSERT_TRUE(proclaimed.ok()) << proclaimed.error();
  EXPECT_EQ(m_.get("el/1a")->value, "v1b");
  EXPECT_EQ(wrong.error(), kErrNotLeader);

  Answer<void> resigned;
  resign(m_, la, resigned.reply());
  m_.run();
  ASSERT_TRUE(resigned.ok());
  EXPECT_FALSE(m_.get("el/1a"));
  ASSERT_TRUE(b.ok()) << b.error();
  EXPECT_EQ((**b.result).key, "el/2b");
  // Campaign answers the header of the key's creation, however long it waited.
  EXPECT_EQ(b.header.revision, (**b.result).rev);
  EXPECT_LT(b.header.revision, resigned.header.revision);

  Answer<void> again;  // resigning what is no longer held: no error
  resign(m_, la, again.reply());
  m_.run();
  EXPECT_TRUE(again.ok());
}

TEST_F(ConcurrencyTest, LeaderOfAnEmptyElection) {
  Answer<mvcc::KeyValue> leader;
  concurrency::leader(m_, "none", leader.reply());
  m_.run();
  EXPECT_EQ(leader.error(), kErrNoLeader);
}

TEST_F(ConcurrencyTest, CampaignAgainWithTheLeaseProclaimsTheNewValue) {
  Answer<LeaderKey> a, again;
  campaign("el", 0x1a, "v1", a);
  campaign("el", 0x1a, "v2", again);
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ((**again.result).rev, (**a.result).rev);
  EXPECT_EQ(m_.get("el/1a")->value, "v2");
}

TEST_F(ConcurrencyTest, ACanceledCampaignResigns) {
  Answer<LeaderKey> a, b;
  campaign("el", 0x1a, "v1", a);
  auto waiting = campaign("el", 0x2b, "v2", b);
  ASSERT_TRUE(m_.get("el/2b"));
  waiting->cancel();
  m_.run();
  EXPECT_FALSE(m_.get("el/2b"));
  EXPECT_FALSE(b.result);
  EXPECT_EQ(m_.watches(), 0u);
}

TEST_F(ConcurrencyTest, ObserveFollowsLeadersAndProclamations) {
  std::vector<std::pair<std::string, int64_t>> seen;  // (value, header revision)
  bool ended = false;
  auto observer = observe(
      m_, watches_, "el",
      [&](mvcc::KeyValue kv, Header h) { seen.emplace_back(kv.value, h.revision); },
      [&] { ended = true; });
  m_.run();
  EXPECT_TRUE(seen.empty());  // nobody campaigns yet

  Answer<LeaderKey> a, b;
  campaign("el", 0x1a, "v1", a);
  ASSERT_TRUE(a.ok());
  const int64_t ra = (**a.result).rev;
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], std::make_pair(std::string("v1"), ra));  // the put's revision

  campaign("el", 0x2b, "v2", b);  // not a leader: not observed
  Answer<void> p;
  proclaim(m_, **a.result, "v1b", p.reply());
  m_.run();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].first, "v1b");

  Answer<void> r;
  resign(m_, **a.result, r.reply());
  m_.run();
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2], std::make_pair(std::string("v2"), r.header.revision));  // read after

  observer->cancel();
  m_.run();
  EXPECT_EQ(m_.watches(), 0u);
  m_.del("el/2b");
  m_.run();
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_FALSE(ended);
}

TEST_F(ConcurrencyTest, ObserveOfACurrentLeaderStartsWithIt) {
  Answer<LeaderKey> a;
  campaign("el", 0x1a, "v1", a);
  std::vector<std::string> seen;
  auto observer = observe(
      m_, watches_, "el", [&](mvcc::KeyValue kv, Header) { seen.push_back(kv.key); }, [] {});
  m_.run();
  EXPECT_EQ(seen, std::vector<std::string>{"el/1a"});
  observer->cancel();
}

TEST_F(ConcurrencyTest, AClosedMuxEndsWaits) {
  Answer<std::string> first, second;
  lock("lk", 0x1a, first);
  watches_->close();  // the server stops
  lock("lk", 0x2b, second);
  // The wait cannot start: etcd's lost watcher; the key is deleted, then found gone.
  EXPECT_EQ(second.error(), kErrSessionExpired);
  EXPECT_FALSE(m_.get("lk/2b"));
}

}  // namespace
}  // namespace etcd::v3rpc::concurrency
