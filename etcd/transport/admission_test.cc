#include "etcd/transport/admission.h"

#include <gtest/gtest.h>
#include <vector>

#include "etcd/transport/wire.h"

namespace etcd::transport {
namespace {

const LocalIdentity kLocal{0xaa, NodeId(2)};

bool only_member_1(NodeId id) {
  return id == NodeId(1);
}

Result<NodeId> admit_with(std::string cluster, std::string from, std::string to) {
  return admit(PeerHeaders{cluster, from, to}, kLocal, only_member_1);
}

TEST(Admission, AdmitsAMemberOfOurClusterAddressingUs) {
  auto from = admit_with(wire::format_id(0xaa), wire::format_id(1), wire::format_id(2));
  ASSERT_TRUE(from.ok()) << from.error().message;
  EXPECT_EQ(*from, NodeId(1));
}

TEST(Admission, RefusesAnotherClusterWith412) {
  auto from = admit_with(wire::format_id(0xbb), wire::format_id(1), wire::format_id(2));
  ASSERT_FALSE(from.ok());
  EXPECT_EQ(from.error().code, 412);
  EXPECT_EQ(from.error().message,
            "cluster ID mismatch: local 00000000000000aa, remote 00000000000000bb");
}

TEST(Admission, RefusesARequestMeantForAnotherMember) {
  auto from = admit_with("aa", "1", "3");
  ASSERT_FALSE(from.ok());
  EXPECT_EQ(from.error().code, 412);
  EXPECT_NE(from.error().message.find("receiver ID mismatch"), std::string::npos);
}

TEST(Admission, RefusesAnUnknownSenderWith403) {
  auto from = admit_with("aa", "7", "2");
  ASSERT_FALSE(from.ok());
  EXPECT_EQ(from.error().code, 403);
  EXPECT_EQ(from.error().message, "sender 0000000000000007 is not a member of this cluster");
}

TEST(Admission, RefusesMissingOrMalformedHeadersWith400) {
  for (const auto& [cluster, from, to] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"", "1", "2"},
           {"aa", "", "2"},
           {"aa", "1", ""},
           {"zz", "1", "2"},
           {"aa", "0", "2"},
           {"aa", "11112222333344445", "2"}}) {
    auto admitted = admit_with(cluster, from, to);
    ASSERT_FALSE(admitted.ok()) << cluster << " " << from << " " << to;
    EXPECT_EQ(admitted.error().code, 400);
  }
}

TEST(Wire, FormatsIdsAsSixteenHexDigitsAndParsesThemBack) {
  EXPECT_EQ(wire::format_id(0x8e9e05c52164694dULL), "8e9e05c52164694d");
  EXPECT_EQ(wire::format_id(1), "0000000000000001");
  EXPECT_EQ(wire::parse_id("8E9E05C52164694D"), 0x8e9e05c52164694dULL);
  EXPECT_EQ(wire::parse_id("1"), 1u);
  EXPECT_FALSE(wire::parse_id("0x1").has_value());
  EXPECT_FALSE(wire::parse_id("1 ").has_value());
}

}  // namespace
}  // namespace etcd::transport
