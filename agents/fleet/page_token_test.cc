#include "agents/fleet/page_token.h"

#include <gtest/gtest.h>

namespace corestack::fleet {
namespace {

TEST(PageToken, EncodesLittleEndianUrlBase64) {
  EXPECT_EQ((PageToken{100, 1}).encode(), "ZAABAA==");
  EXPECT_EQ((PageToken{100, 2}).encode(), "ZAACAA==");
  EXPECT_EQ((PageToken{50, 1}).encode(), "MgABAA==");
  EXPECT_EQ((PageToken{100, 0}).encode(), "ZAAAAA==");
  // 0xfbff in both fields uses the URL-safe characters '-' and '_'.
  EXPECT_EQ((PageToken{0xfbff, 0xfbff}).encode(), "__v_-w==");
}

TEST(PageToken, RoundTrips) {
  for (std::uint16_t limit : {1, 100, 65535}) {
    for (std::uint16_t page : {1, 2, 255, 256, 65535}) {
      PageToken token{limit, page};
      auto back = decode_page_token(token.encode(), limit);
      ASSERT_TRUE(back.ok()) << back.error();
      EXPECT_EQ(*back, token);
    }
  }
  EXPECT_EQ((PageToken{100, 1}).next(), (PageToken{100, 2}));
}

TEST(PageToken, BadTokensAreRejectedWithFleetMessages) {
  struct Case {
    std::string_view token;
    std::string_view error;
  };
  const Case cases[] = {
      {"", "EOF"},
      {"ZAA=", "unexpected EOF"},
      {"ZAABAA", "illegal base64 data at input byte 4"},
      {"ZAABAA=", "illegal base64 data at input byte 7"},
      {"ZAABAA=x", "illegal base64 data at input byte 6"},
      {"ZAABAA==x", "illegal base64 data at input byte 8"},
      {"!AABAA==", "illegal base64 data at input byte 0"},
      {"ZAAB+A==", "illegal base64 data at input byte 4"},  // std alphabet, not URL-safe
      {"Z===", "illegal base64 data at input byte 1"},
      {"MgABAA==", "token limit must be 100"},
      {"ZAAAAA==", "token page must be greater than zero"},
  };
  for (const auto& c : cases) {
    auto got = decode_page_token(c.token, 100);
    ASSERT_FALSE(got.ok()) << c.token;
    EXPECT_EQ(got.error(), c.error) << c.token;
  }
  // Newlines are skipped and extra bytes ignored, as Go does.
  EXPECT_TRUE(decode_page_token("ZAAB\nAA==", 100).ok());
  EXPECT_TRUE(decode_page_token("ZAABAAAA", 100).ok());
}

TEST(PageToken, QueryValues) {
  EXPECT_EQ(*page_token_from_query({}, 100), (PageToken{100, 1}));
  EXPECT_EQ(*page_token_from_query({"ZAACAA=="}, 100), (PageToken{100, 2}));
  EXPECT_EQ(page_token_from_query({"ZAACAA==", "ZAACAA=="}, 100).error(),
            "too many values for page token");
  EXPECT_EQ(page_token_from_query({"ZAACAA=="}, 50).error(), "token limit must be 50");
}

TEST(PageToken, SelectsPages) {
  EXPECT_EQ(page_range(250, {100, 1}), (PageRange{0, 100, PageToken{100, 2}}));
  EXPECT_EQ(page_range(250, {100, 2}), (PageRange{100, 200, PageToken{100, 3}}));
  EXPECT_EQ(page_range(250, {100, 3}), (PageRange{200, 250, std::nullopt}));
  EXPECT_EQ(page_range(250, {100, 4}), (PageRange{}));
  // A full last page still gets a next token (fleet's extractUnitPageData); that page is empty.
  EXPECT_EQ(page_range(200, {100, 2}), (PageRange{100, 200, PageToken{100, 3}}));
  EXPECT_EQ(page_range(0, {100, 1}), (PageRange{}));
  EXPECT_EQ(page_range(3, {2, 1}), (PageRange{0, 2, PageToken{2, 2}}));
}

}  // namespace
}  // namespace corestack::fleet
