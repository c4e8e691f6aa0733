#include "cloud-config/validate.h"

#include <gtest/gtest.h>

#include "cloud-config/validate_rules.h"

namespace corestack::cloudinit {
namespace {

std::vector<std::string> check(const std::string& text,
                               const std::map<std::string, std::string>& values = {}) {
  std::vector<std::string> out;
  for (const auto& e : validate_user_data(text, values).sorted())
    out.push_back(format_entry(e));
  return out;
}

TEST(Validate, CleanInputs) {
  EXPECT_TRUE(check("").empty());
  EXPECT_TRUE(check("#!/bin/sh\nanything: [\n").empty());
  EXPECT_TRUE(check("{\"ignition\": {\"version\": \"2.1.0\"}}").empty());
  EXPECT_TRUE(check("#cloud-config   \n").empty());
  EXPECT_TRUE(check("#cloud-config\ncoreos:\n  etcd2:\n    proxy: readonly\n").empty());
}

TEST(Validate, NestedListItemsKeepTheirLines) {
  EXPECT_EQ(check("#cloud-config\ncoreos:\n  units:\n    - name: a.service\n"
                  "    - name: b.service\n      command: run\n"),
            std::vector<std::string>{"line 6: error: invalid value run"});
}

TEST(Validate, AMissingVariableIsOneError) {
  // The placeholder keeps the URL valid, so the bad URL is not reported on top.
  EXPECT_EQ(
      check("#cloud-config\ncoreos:\n  fleet:\n    etcd_servers: http://$private_ipv4:2379\n"),
      std::vector<std::string>{"line 4: error: $private_ipv4 has no value (no metadata and "
                               "COREOS_PRIVATE_IPV4 is not set)"});
  EXPECT_TRUE(
      check("#cloud-config\ncoreos:\n  fleet:\n    etcd_servers: http://$private_ipv4:2379\n",
            {{"private_ipv4", "10.0.0.1"}})
          .empty());
}

TEST(Validate, ProxyOnIsFineAsAString) {
  EXPECT_TRUE(check("#cloud-config\ncoreos:\n  etcd2:\n    proxy: on\n").empty());
}

TEST(Validate, LongValuesAreRejectedQuickly) {
  // A backtracking regex on these would run for ages or overflow the stack.
  const std::string letters(30, 'h');
  EXPECT_EQ(check("#cloud-config\ncoreos:\n  locksmith:\n    window_length: " + letters + "!\n"),
            std::vector<std::string>{"line 4: error: invalid value " + letters + "!"});
  const std::string url = "http://a/" + std::string(200000, 'x');
  const auto entries = check("#cloud-config\ncoreos:\n  fleet:\n    etcd_servers: " + url + "\n");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0], "line 4: error: invalid value " + url.substr(0, 80) + "...");
}

TEST(Validate, UnitNamesAndUrls) {
  EXPECT_TRUE(valid_unit_name("etcd2.service"));
  EXPECT_TRUE(valid_unit_name("getty@tty1.service"));
  EXPECT_TRUE(valid_unit_name("00-eth0.network"));
  EXPECT_FALSE(valid_unit_name("etcd2"));
  EXPECT_FALSE(valid_unit_name("a/b.service"));
  EXPECT_FALSE(valid_unit_name(".service"));
  EXPECT_TRUE(valid_url_list("http://10.0.0.1:2379,https://[fd00::1]:2379,http://localhost"));
  EXPECT_TRUE(valid_url_list("unix:///var/run/etcd.sock"));
  EXPECT_FALSE(valid_url_list("http://:2379"));
  EXPECT_FALSE(valid_url_list("http://a:2379,"));
  EXPECT_FALSE(valid_url_list("ftp://a"));
}

}  // namespace
}  // namespace corestack::cloudinit
