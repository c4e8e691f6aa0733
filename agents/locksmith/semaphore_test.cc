#include "agents/locksmith/semaphore.h"

#include <gtest/gtest.h>

namespace corestack::locksmith {
namespace {

Semaphore sem(int64_t free, int64_t max, std::vector<std::string> holders) {
  return Semaphore{free, max, std::move(holders), false};
}

TEST(Semaphore, FreshOneEncodesNullHolders) {
  EXPECT_EQ(encode_semaphore(initial_semaphore()), R"({"semaphore":1,"max":1,"holders":null})");
}

TEST(Semaphore, RoundTripsByteExact) {
  for (const char* json : {
           R"({"semaphore":1,"max":1,"holders":null})",
           R"({"semaphore":0,"max":1,"holders":["abc"]})",
           R"({"semaphore":1,"max":1,"holders":[]})",
           R"({"semaphore":-2,"max":1,"holders":["a","b","c"]})",
           R"({"semaphore":9223372036854775807,"max":-9223372036854775808,"holders":null})",
       }) {
    auto decoded = decode_semaphore(json);
    ASSERT_TRUE(decoded) << json << ": " << decoded.error().message;
    EXPECT_EQ(encode_semaphore(*decoded), json);
  }
}

TEST(Semaphore, DecodeToleratesMissingUnknownAndNullFields) {
  auto s = decode_semaphore(R"({"max":3,"index":77,"extra":{"x":[1,null]}})");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, (Semaphore{0, 3, {}, true}));
  EXPECT_EQ(encode_semaphore(*s), R"({"semaphore":0,"max":3,"holders":null})");

  s = decode_semaphore(R"({"semaphore":null,"max":2,"holders":null})");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, (Semaphore{0, 2, {}, true}));

  s = decode_semaphore("null");  // Go: leaves the zero value
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, Semaphore{});
}

TEST(Semaphore, DecodeMatchesKeysCaseInsensitivelyLastWins) {
  auto s = decode_semaphore(R"({"Semaphore":4,"MAX":5,"Holders":["x"],"semaphore":2})");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, sem(2, 5, {"x"}));
}

TEST(Semaphore, DecodeNullHolderElementIsEmptyString) {
  auto s = decode_semaphore(R"({"semaphore":0,"max":2,"holders":["a",null]})");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->holders, (std::vector<std::string>{"a", ""}));
}

TEST(Semaphore, DecodeErrors) {
  struct Case {
    const char* json;
    const char* message;  // prefix
  };
  for (const Case& c : {
           Case{"", "invalid semaphore JSON: "},
           Case{"not json", "invalid semaphore JSON: "},
           Case{R"({"semaphore":1)", "invalid semaphore JSON: "},
           Case{"[1]", "json: cannot unmarshal array into Go value of type lock.Semaphore"},
           Case{"5", "json: cannot unmarshal number into Go value of type lock.Semaphore"},
           Case{R"({"semaphore":"1"})",
                "json: cannot unmarshal string into Go struct field Semaphore.semaphore of type "
                "int"},
           Case{R"({"max":1.5})",
                "json: cannot unmarshal number 1.5 into Go struct field Semaphore.max of type int"},
           Case{R"({"max":9223372036854775808})",
                "json: cannot unmarshal number 9223372036854775808 into Go struct field "
                "Semaphore.max of type int"},
           Case{R"({"max":true})",
                "json: cannot unmarshal bool into Go struct field Semaphore.max of type int"},
           Case{R"({"holders":"abc"})",
                "json: cannot unmarshal string into Go struct field Semaphore.holders of type "
                "[]string"},
           Case{R"({"holders":[1]})",
                "json: cannot unmarshal number 1 into Go struct field Semaphore.holders of type "
                "string"},
       }) {
    auto s = decode_semaphore(c.json);
    ASSERT_FALSE(s) << c.json;
    EXPECT_EQ(s.error().kind, SemaphoreErrorKind::decode);
    EXPECT_EQ(s.error().message.rfind(c.message, 0), 0u) << c.json << " -> " << s.error().message;
  }
}

TEST(Semaphore, QuotesStringsAsGoEncodingJson) {
  EXPECT_EQ(go_json_quote("abc"), R"("abc")");
  EXPECT_EQ(go_json_quote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(go_json_quote("<a&b>"), R"("\u003ca\u0026b\u003e")");
  EXPECT_EQ(go_json_quote("\n\r\t\b\f\x01\x1f\x7f"),
            "\"\\n\\r\\t\\u0008\\u000c\\u0001\\u001f\x7f\"");
  EXPECT_EQ(go_json_quote("caf\xC3\xA9 \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
  EXPECT_EQ(go_json_quote("\xE2\x80\xA8\xE2\x80\xA9"), R"("\u2028\u2029")");
  // Invalid UTF-8: one U+FFFD escape per bad byte (a surrogate, a lone continuation, a
  // truncated sequence, an overlong encoding).
  EXPECT_EQ(go_json_quote("\xED\xA0\x80"), R"("\ufffd\ufffd\ufffd")");
  EXPECT_EQ(go_json_quote("a\x80"
                          "b\xC3"),
            R"("a\ufffdb\ufffd")");
  EXPECT_EQ(go_json_quote("\xC0\xAF"), R"("\ufffd\ufffd")");
  EXPECT_EQ(encode_semaphore(sem(0, 1, {"<id>"})),
            R"({"semaphore":0,"max":1,"holders":["\u003cid\u003e"]})");
}

TEST(Semaphore, LockTakesSlotAndKeepsHoldersSorted) {
  auto s = lock(initial_semaphore(), "m2");
  ASSERT_TRUE(s);
  EXPECT_EQ(encode_semaphore(*s), R"({"semaphore":0,"max":1,"holders":["m2"]})");
  s = lock(sem(2, 3, {"b"}), "a");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, sem(1, 3, {"a", "b"}));
}

TEST(Semaphore, LockChecksFullBeforeExists) {
  auto s = lock(sem(0, 1, {"a"}), "a");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, SemaphoreErrorKind::full);
  EXPECT_EQ(s.error().message, "semaphore is at 0");
  s = lock(sem(-2, 1, {"a", "b", "c"}), "d");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "semaphore is at -2");
}

TEST(Semaphore, LockRejectsExistingHolder) {
  auto s = lock(sem(1, 2, {"a"}), "a");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, SemaphoreErrorKind::exists);
  EXPECT_EQ(s.error().message, "holder exists");
}

TEST(Semaphore, UnlockFreesSlotLeavingEmptyArray) {
  auto s = unlock(sem(0, 1, {"a"}), "a");
  ASSERT_TRUE(s);
  EXPECT_EQ(encode_semaphore(*s), R"({"semaphore":1,"max":1,"holders":[]})");
  s = unlock(initial_semaphore(), "a");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, SemaphoreErrorKind::not_exist);
  EXPECT_EQ(s.error().message, "holder does not exist");
}

TEST(Semaphore, HandEditedUnsortedHoldersStillWork) {
  Semaphore edited = sem(3, 6, {"c", "a", "b"});
  EXPECT_EQ(lock(edited, "a").error().kind, SemaphoreErrorKind::exists);  // linear search
  auto s = unlock(edited, "a");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, sem(4, 6, {"b", "c"}));
  s = lock(edited, "0");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, sem(2, 6, {"0", "a", "b", "c"}));
}

TEST(Semaphore, SetMaxFollowsDiffRuleAndMayGoNegative) {
  EXPECT_EQ(set_max(initial_semaphore(), 3), (Semaphore{3, 3, {}, true}));
  Semaphore three = sem(0, 3, {"a", "b", "c"});
  Semaphore one = set_max(three, 1);
  EXPECT_EQ(one, sem(-2, 1, {"a", "b", "c"}));
  EXPECT_EQ(encode_semaphore(one), R"({"semaphore":-2,"max":1,"holders":["a","b","c"]})");
  EXPECT_EQ(lock(one, "d").error().message, "semaphore is at -2");
  auto s = unlock(one, "a");
  ASSERT_TRUE(s);
  s = unlock(*s, "b");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, sem(0, 1, {"c"}));
  EXPECT_EQ(set_max(sem(1, 1, {}), 0), sem(0, 0, {}));
  EXPECT_EQ(set_max(sem(1, 1, {}), -1), sem(-1, -1, {}));
}

}  // namespace
}  // namespace corestack::locksmith
