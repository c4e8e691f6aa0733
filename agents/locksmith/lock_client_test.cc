#include "agents/locksmith/lock_client.h"

#include <gtest/gtest.h>

#include "agents/etcdclient/client.h"
#include "agents/etcdclient/testing/fake_etcd.h"

namespace corestack::locksmith {
namespace {

constexpr const char* kKey = "coreos.com/updateengine/rebootlock/semaphore";
constexpr const char* kFresh = R"({"semaphore":1,"max":1,"holders":null})";

// A LockClient on a FakeEtcd (or on `url`).
struct Harness {
  explicit Harness(std::string group = "", std::string url = "")
      : client(make_client(url.empty() ? etcd.url() : url)), keys(*client), lock(keys, group) {}

  static std::unique_ptr<etcd::client::Client> make_client(const std::string& url) {
    etcd::client::Config config;
    config.endpoints = {url};
    auto c = etcd::client::Client::create(config);
    EXPECT_TRUE(c);
    return std::move(*c);
  }

  int puts() {
    int n = 0;
    for (const auto& r : etcd.requests())
      n += r.method == "PUT";
    return n;
  }

  etcd::client::testing::FakeEtcd etcd;
  std::unique_ptr<etcd::client::Client> client;
  etcd::client::KeysApi keys;
  LockClient lock;
};

TEST(LockClient, KeyForGroupUsesGoQueryEscape) {
  EXPECT_EQ(semaphore_key(""), kKey);
  const std::string groups = "coreos.com/updateengine/rebootlock/groups/";
  EXPECT_EQ(semaphore_key("prod/database"), groups + "prod%2Fdatabase/semaphore");
  EXPECT_EQ(semaphore_key("a b"), groups + "a+b/semaphore");
  EXPECT_EQ(semaphore_key("AZaz09-_.~"), groups + "AZaz09-_.~/semaphore");
  EXPECT_EQ(semaphore_key("x?&=#%+:@$,;!*'()"),
            groups + "x%3F%26%3D%23%25%2B%3A%40%24%2C%3B%21%2A%27%28%29/semaphore");
  EXPECT_EQ(semaphore_key("caf\xC3\xA9"), groups + "caf%C3%A9/semaphore");
}

TEST(LockClient, InitCreatesFreshSemaphoreOnce) {
  Harness h;
  ASSERT_TRUE(h.lock.init());
  EXPECT_EQ(h.etcd.value(kKey), kFresh);
  ASSERT_TRUE(h.lock.lock("m1"));
  ASSERT_TRUE(h.lock.init());  // 105 "key exists" is success; the value stays
  EXPECT_EQ(h.etcd.value(kKey), R"({"semaphore":0,"max":1,"holders":["m1"]})");
  EXPECT_NE(h.etcd.requests().front().target.find("prevExist=false"), std::string::npos);
}

TEST(LockClient, GetReturnsValueAndModifiedIndex) {
  Harness h;
  ASSERT_TRUE(h.lock.init());
  auto got = h.lock.get();
  ASSERT_TRUE(got);
  EXPECT_EQ(encode_semaphore(got->semaphore), kFresh);
  EXPECT_EQ(got->modified_index, 2u);
}

TEST(LockClient, LockAndUnlockWriteWithPrevIndex) {
  Harness h;
  ASSERT_TRUE(h.lock.init());
  auto locked = h.lock.lock("m1");
  ASSERT_TRUE(locked);
  EXPECT_EQ(locked->modified_index, 3u);
  EXPECT_EQ(h.etcd.value(kKey), R"({"semaphore":0,"max":1,"holders":["m1"]})");
  auto last = h.etcd.requests().back();
  EXPECT_EQ(last.method, "PUT");
  EXPECT_NE(last.target.find("prevIndex=2"), std::string::npos) << last.target;

  ASSERT_TRUE(h.lock.unlock("m1"));
  EXPECT_EQ(h.etcd.value(kKey), R"({"semaphore":1,"max":1,"holders":[]})");
}

TEST(LockClient, MutationErrorsWriteNothing) {
  Harness h;
  ASSERT_TRUE(h.lock.init());
  ASSERT_TRUE(h.lock.lock("m1"));
  int before = h.puts();

  auto full = h.lock.lock("m2");
  ASSERT_FALSE(full);
  EXPECT_TRUE(full.error().is(SemaphoreErrorKind::full));
  EXPECT_EQ(full.error().message, "semaphore is at 0");
  auto missing = h.lock.unlock("m2");
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().is(SemaphoreErrorKind::not_exist));
  EXPECT_EQ(missing.error().message, "holder does not exist");
  ASSERT_TRUE(h.lock.set_max(2));
  auto exists = h.lock.lock("m1");
  ASSERT_FALSE(exists);
  EXPECT_TRUE(exists.error().is(SemaphoreErrorKind::exists));
  EXPECT_EQ(h.puts(), before + 1);  // only set_max wrote
}

TEST(LockClient, CompareFailedIsAConflictWithoutRetry) {
  Harness h;
  ASSERT_TRUE(h.lock.init());
  h.etcd.fail_next_cas();
  int before = h.puts();
  auto r = h.lock.lock("m1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, LockErrorKind::cas_conflict);
  EXPECT_TRUE(r.error().cause.is(etcd::client::kTestFailed));
  EXPECT_EQ(r.error().message.rfind("101: Compare failed ([2 != 2])", 0), 0u) << r.error().message;
  EXPECT_EQ(h.puts(), before + 1);
  EXPECT_EQ(h.etcd.value(kKey), kFresh);
}

TEST(LockClient, SetMaxReturnsOldMaximum) {
  Harness h;
  ASSERT_TRUE(h.lock.init());
  auto old = h.lock.set_max(3);
  ASSERT_TRUE(old);
  EXPECT_EQ(*old, 1);
  EXPECT_EQ(h.etcd.value(kKey), R"({"semaphore":3,"max":3,"holders":null})");
  ASSERT_TRUE(h.lock.lock("a"));
  ASSERT_TRUE(h.lock.lock("b"));
  old = h.lock.set_max(1);
  ASSERT_TRUE(old);
  EXPECT_EQ(*old, 3);
  EXPECT_EQ(h.etcd.value(kKey), R"({"semaphore":-1,"max":1,"holders":["a","b"]})");
}

TEST(LockClient, AcquireUsesSlotAlreadyHeld) {
  Harness h;
  ASSERT_TRUE(h.lock.init());
  auto first = h.lock.acquire("me");
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->already_held);
  int before = h.puts();
  auto again = h.lock.acquire("me");  // the semaphore is at 0 now
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->already_held);
  EXPECT_EQ(h.puts(), before);
  auto other = h.lock.acquire("other");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().message, "semaphore is at 0");
}

TEST(LockClient, GroupKeyIsEscapedOnTheWire) {
  Harness h("prod/db");
  ASSERT_TRUE(h.lock.init());
  EXPECT_EQ(h.lock.key(), "coreos.com/updateengine/rebootlock/groups/prod%2Fdb/semaphore");
  EXPECT_EQ(h.etcd.value("coreos.com/updateengine/rebootlock/groups/prod%252Fdb/semaphore"),
            kFresh);
  EXPECT_EQ(h.etcd.value(kKey), std::nullopt);
}

TEST(LockClient, UndecodableValueIsADecodeError) {
  Harness h;
  h.etcd.put(kKey, "garbage");
  ASSERT_TRUE(h.lock.init());
  auto r = h.lock.lock("m1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, LockErrorKind::decode);
  EXPECT_EQ(r.error().message.rfind("invalid semaphore JSON: ", 0), 0u);
}

TEST(LockClient, MissingKeyIsAnEtcdError) {
  Harness h;
  auto r = h.lock.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, LockErrorKind::etcd);
  EXPECT_EQ(r.error().cause.error_code, 100);
  EXPECT_EQ(r.error().message.rfind("100: Key not found (/" + std::string(kKey) + ")", 0), 0u)
      << r.error().message;
}

TEST(LockClient, UnreachableClusterIsATransportError) {
  Harness h("", etcd::client::testing::FakeHttpServer::refused_url());
  auto r = h.lock.init();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, LockErrorKind::transport);
  EXPECT_EQ(r.error().message.rfind("client: etcd cluster is unavailable or misconfigured", 0), 0u)
      << r.error().message;
}

}  // namespace
}  // namespace corestack::locksmith
