#include "agents/flannel/allocation.h"

#include <gtest/gtest.h>

#include <set>

namespace corestack::flannel {
namespace {

NetworkConfig config(const std::string& json) {
  return *parse_network_config(json);
}

Lease lease(const char* subnet) {
  return Lease{*Ip4Net::parse(subnet), {}, {}, 0};
}

std::vector<std::string> names(const std::vector<Ip4Net>& subnets) {
  std::vector<std::string> out;
  for (const Ip4Net& s : subnets)
    out.push_back(s.to_string());
  return out;
}

TEST(Allocation, WalksSubnetMinToSubnetMaxInclusive) {
  auto c = config(R"({"Network":"10.5.0.0/20","SubnetLen":24})");
  auto free = free_candidates(c, {});
  ASSERT_EQ(free.size(), 15u);  // 16 subnets, the first skipped
  EXPECT_EQ(free.front().to_string(), "10.5.1.0/24");
  EXPECT_EQ(free.back().to_string(), "10.5.15.0/24");
}

TEST(Allocation, SkipsEveryOverlap) {
  auto c = config(R"({"Network":"10.5.0.0/20","SubnetLen":24})");
  const std::vector<Lease> leases = {
      lease("10.5.2.0/24"),    // exact
      lease("10.5.4.0/23"),    // covers 4 and 5
      lease("10.5.7.128/25"),  // inside 7
      lease("10.5.9.7/24"),    // an unaligned key still blocks 9
      lease("10.5.0.0/24"),    // outside the range: irrelevant
      lease("10.6.0.0/16"),    // outside the network
      lease("10.5.12.0/22"),   // 12..15
  };
  EXPECT_EQ(names(free_candidates(c, leases)),
            (std::vector<std::string>{"10.5.1.0/24", "10.5.3.0/24", "10.5.6.0/24", "10.5.8.0/24",
                                      "10.5.10.0/24", "10.5.11.0/24"}));
}

TEST(Allocation, ALeaseCoveringEverythingLeavesNothing) {
  auto c = config(R"({"Network":"10.5.0.0/20","SubnetLen":24})");
  EXPECT_TRUE(free_candidates(c, {lease("10.0.0.0/8")}).empty());
  EXPECT_FALSE(choose_subnet(c, {lease("10.0.0.0/8")}, make_random_index(1)));
}

TEST(Allocation, KeepsAtMostOneHundredCandidates) {
  auto c = config(R"({"Network":"10.0.0.0/8","SubnetLen":24})");
  auto free = free_candidates(c, {lease("10.0.1.0/24")});
  ASSERT_EQ(free.size(), 100u);
  EXPECT_EQ(free.front().to_string(), "10.0.2.0/24");
  EXPECT_EQ(free.back().to_string(), "10.0.101.0/24");
}

TEST(Allocation, ManyLeasesStayCheap) {
  auto c = config(R"({"Network":"10.0.0.0/8","SubnetLen":24})");
  std::vector<Lease> leases;
  for (uint32_t i = 1; i < 60000; ++i)
    leases.push_back(Lease{Ip4Net{Ip4{0x0a000000u + (i << 8)}, 24}, {}, {}, 0});
  auto free = free_candidates(c, leases);
  ASSERT_EQ(free.size(), 100u);
  EXPECT_EQ(free.front().to_string(), "10.234.96.0/24");  // 60000 = 234 * 256 + 96
}

TEST(Allocation, PicksWithTheInjectedRandomSource) {
  auto c = config(R"({"Network":"10.5.0.0/20","SubnetLen":24})");
  size_t asked = 0;
  auto last = [&](size_t count) {
    asked = count;
    return count - 1;
  };
  EXPECT_EQ(choose_subnet(c, {lease("10.5.15.0/24")}, last)->to_string(), "10.5.14.0/24");
  EXPECT_EQ(asked, 14u);
  EXPECT_EQ(choose_subnet(c, {}, [](size_t) { return size_t{0}; })->to_string(), "10.5.1.0/24");
}

TEST(Allocation, SeededRandomIndexIsUniformAndReproducible) {
  auto a = make_random_index(42), b = make_random_index(42);
  std::vector<int> counts(15, 0);
  for (int i = 0; i < 15000; ++i) {
    const size_t x = a(15);
    ASSERT_EQ(x, b(15));
    ASSERT_LT(x, 15u);
    ++counts[x];
  }
  for (int n : counts)
    EXPECT_GT(n, 800);
}

}  // namespace
}  // namespace corestack::flannel
