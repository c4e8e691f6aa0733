#include "etcd/server/member.h"

#include <gtest/gtest.h>

#include "etcd/server/membership.h"

namespace etcd::server {
namespace {

TEST(MemberId, MatchesEtcdDefaults) {
  // A default etcd ("http://localhost:2380", token "etcd-cluster") is member
  // 8e9e05c52164694d of cluster cdf818194e3a8c32.
  const NodeId id = member_id({"http://localhost:2380"}, "etcd-cluster");
  EXPECT_EQ(id_to_hex(id.value), "8e9e05c52164694d");
  EXPECT_EQ(id_to_hex(cluster_id({id})), "cdf818194e3a8c32");
}

TEST(MemberId, OrderOfUrlsDoesNotMatterButTokenAndTimeDo) {
  auto a = member_id({"http://b:2380", "http://a:2380"}, "t");
  auto b = member_id({"http://a:2380", "http://b:2380"}, "t");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, member_id({"http://a:2380", "http://b:2380"}, "other"));
  EXPECT_NE(a, member_id({"http://a:2380", "http://b:2380"}, "t", 1700000000));
}

TEST(MemberId, HexRoundTrip) {
  EXPECT_EQ(id_from_hex("8e9e05c52164694d"), 0x8e9e05c52164694dULL);
  EXPECT_FALSE(id_from_hex("xyz").has_value());
  EXPECT_FALSE(id_from_hex("").has_value());
  EXPECT_FALSE(id_from_hex("11112222333344445").has_value());
}

TEST(Membership, AddRemoveAndNeverRejoin) {
  Membership ms(7);
  ASSERT_TRUE(ms.add({NodeId{1}, "", {"http://b", "http://a"}, {}}).ok());
  EXPECT_EQ(ms.find(NodeId{1})->peer_urls.front(), "http://a");
  ASSERT_TRUE(ms.update_attributes(NodeId{1}, "n1", {"http://c:2379"}).ok());
  ASSERT_TRUE(ms.add({NodeId{1}, "", {"http://a"}, {}}).ok()) << "idempotent re-add";
  EXPECT_EQ(ms.find(NodeId{1})->name, "n1");
  ASSERT_TRUE(ms.remove(NodeId{1}).ok());
  EXPECT_FALSE(ms.add({NodeId{1}, "", {"http://a"}, {}}).ok());
  EXPECT_FALSE(ms.remove(NodeId{1}).ok());
}

TEST(Membership, EncodeRoundTrip) {
  Membership ms(42);
  ASSERT_TRUE(ms.add({NodeId{1}, "n1", {"http://a"}, {"http://c"}, false}).ok());
  ASSERT_TRUE(ms.add({NodeId{2}, "", {"http://b"}, {}, true}).ok());
  ASSERT_TRUE(ms.add({NodeId{3}, "", {"http://x"}, {}, false}).ok());
  ASSERT_TRUE(ms.remove(NodeId{3}).ok());
  auto back = Membership::decode(ms.encode());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->cluster_id(), 42u);
  EXPECT_EQ(back->members(), ms.members());
  EXPECT_TRUE(back->is_removed(NodeId{3}));
  EXPECT_FALSE(Membership::decode(ms.encode().substr(1)).ok());
}

}  // namespace
}  // namespace etcd::server
