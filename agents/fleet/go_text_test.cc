#include "agents/fleet/go_text.h"

#include <gtest/gtest.h>

namespace corestack::fleet {
namespace {

TEST(GoText, DecodesRunesLikeGo) {
  EXPECT_EQ(decode_rune("a").value, U'a');
  EXPECT_EQ(decode_rune("\xC3\xA9").value, U'\u00e9');
  EXPECT_EQ(decode_rune("\xC3\xA9").size, 2u);
  EXPECT_EQ(decode_rune("\xF0\x9F\x98\x80").value, U'\U0001F600');
  for (const char* bad : {"\xff", "\xC3", "\xE0\x80\x80", "\xED\xA0\x80", "\xC0\xAF"}) {
    Rune r = decode_rune(bad);
    EXPECT_EQ(r.value, kRuneError) << bad;
    EXPECT_EQ(r.size, 1u) << bad;
  }
  EXPECT_EQ(decode_rune("").size, 0u);
}

TEST(GoText, TrimSpaceKnowsUnicodeSpaces) {
  EXPECT_EQ(go_trim_space(" \t\r\n x y \v\f"), "x y");
  EXPECT_EQ(go_trim_space("\xC2\xA0x\xE3\x80\x80"), "x");  // U+00A0, U+3000
  EXPECT_EQ(go_trim_space("x\xff"), "x\xff");
  EXPECT_EQ(go_trim_space("   "), "");
}

TEST(GoText, QuoteLikeStrconv) {
  EXPECT_EQ(go_quote("plain"), R"("plain")");
  EXPECT_EQ(go_quote("a\"b\\c\n\t\x01\x7f"), R"("a\"b\\c\n\t\x01\x7f")");
  EXPECT_EQ(go_quote("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
  EXPECT_EQ(go_quote("\xff"), R"("\xff")");
  EXPECT_EQ(go_quote("\xC2\xA0"), R"("\u00a0")");
  EXPECT_EQ(go_quote_rune('/'), "'/'");
  EXPECT_EQ(go_quote_rune('\''), R"('\'')");
  EXPECT_EQ(go_quote_rune('"'), "'\"'");
  EXPECT_EQ(go_quote_rune(0x1F), R"('\x1f')");
}

TEST(GoText, JsonQuoteLikeEncodingJson) {
  EXPECT_EQ(go_json_quote("<a href=\"x\">&</a>"),
            R"("\u003ca href=\"x\"\u003e\u0026\u003c/a\u003e")");
  EXPECT_EQ(go_json_quote("l1\nl2\r\t\b\f\x1f"), R"("l1\nl2\r\t\u0008\u000c\u001f")");
  EXPECT_EQ(go_json_quote("\xE2\x80\xA8\xE2\x80\xA9"), R"("\u2028\u2029")");
  EXPECT_EQ(go_json_quote("ok\xff"), R"("ok\ufffd")");
  EXPECT_EQ(go_json_quote("caf\xC3\xA9 /"), "\"caf\xC3\xA9 /\"");
}

TEST(GoText, EqualFoldIsAsciiCaseInsensitive) {
  EXPECT_TRUE(equal_fold("MachineID", "machineid"));
  EXPECT_FALSE(equal_fold("MachineID", "MachineI"));
}

}  // namespace
}  // namespace corestack::fleet
