#include "cloud-config/substitute.h"

#include <gtest/gtest.h>

namespace corestack::cloudinit {
namespace {

TEST(Substitute, ReplacesTheFourVariables) {
  const std::map<std::string, std::string> values = {{"private_ipv4", "10.0.0.1"},
                                                     {"public_ipv4", "203.0.113.1"},
                                                     {"private_ipv6", "fd00::1"},
                                                     {"public_ipv6", "2001:db8::1"}};
  auto s = substitute("a: http://$private_ipv4:2379,$public_ipv4 [$private_ipv6] $public_ipv6\n",
                      values);
  EXPECT_EQ(s.text, "a: http://10.0.0.1:2379,203.0.113.1 [fd00::1] 2001:db8::1\n");
  EXPECT_TRUE(s.unknown.empty());
}

TEST(Substitute, BackslashEscapes) {
  auto s = substitute("echo \\$private_ipv4 $private_ipv4 \\$HOME $other",
                      {{"private_ipv4", "1.2.3.4"}});
  EXPECT_EQ(s.text, "echo $private_ipv4 1.2.3.4 \\$HOME $other");
}

TEST(Substitute, UnknownValuesAreReportedWithTheirLine) {
  auto s = substitute("#cloud-config\na: 1\nb: http://$public_ipv4:2379\n", {});
  EXPECT_EQ(s.text, "#cloud-config\na: 1\nb: http://:2379\n");
  ASSERT_EQ(s.unknown.size(), 1u);
  EXPECT_EQ(s.unknown[0].line, 3);
  EXPECT_EQ(s.unknown[0].variable, "public_ipv4");
  EXPECT_EQ(s.unknown[0].env, "COREOS_PUBLIC_IPV4");
  auto p = substitute("$public_ipv4 $private_ipv6", {}, /*placeholders=*/true);
  EXPECT_EQ(p.text, "192.0.2.1 2001:db8::1");
}

TEST(Substitute, MetadataWinsOverEnvironment) {
  Addresses metadata;
  metadata.private_ipv4 = "10.1.1.1";
  auto values =
      variable_values(metadata, [](const std::string& name) -> std::optional<std::string> {
        if (name == "COREOS_PRIVATE_IPV4") return "10.9.9.9";
        if (name == "COREOS_PUBLIC_IPV4") return "198.51.100.1";
        return std::nullopt;
      });
  EXPECT_EQ(values["private_ipv4"], "10.1.1.1");
  EXPECT_EQ(values["public_ipv4"], "198.51.100.1");
  EXPECT_EQ(values.count("public_ipv6"), 0u);
}

}  // namespace
}  // namespace corestack::cloudinit
