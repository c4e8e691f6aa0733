#include "etcd/api/keys_request.h"

#include <gtest/gtest.h>

#include "etcd/api/form.h"

namespace etcd::api {
namespace {

using store::ErrorCode;

constexpr int64_t kNow = 1'700'000'000'000'000'000;

http::Request make(std::string method, std::string target, std::string body = "",
                   bool form_body = true) {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  if (form_body) r.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  return r;
}

TEST(Form, DecodesLikeGo) {
  Form f;
  ASSERT_TRUE(f.parse("a=1&b=x+y%21&a=2&empty=&flag").ok());
  EXPECT_EQ(f.value("a"), "1");
  EXPECT_EQ(f.value("b"), "x y!");
  EXPECT_TRUE(f.has("empty"));
  EXPECT_TRUE(f.has("flag"));
  EXPECT_FALSE(f.has("c"));
  Form bad;
  EXPECT_FALSE(bad.parse("a=%zz").ok());
  EXPECT_FALSE(bad.parse("a=1;b=2").ok());
  EXPECT_FALSE(percent_decode("%4", false).ok());
  EXPECT_EQ(*percent_decode("a+b%2Fc", false), "a+b/c");
}

TEST(KeysRequest, PutWithTtlFromBodyAndQuery) {
  auto r = parse_keys_request(make("PUT", "/v2/keys/dir/a?prevExist=true", "value=v1&ttl=5"), kNow);
  ASSERT_TRUE(r.ok()) << r.error().cause;
  EXPECT_EQ(r->request.method, store::Method::put);
  EXPECT_EQ(r->request.path, "/dir/a");
  EXPECT_EQ(r->request.value, "v1");
  EXPECT_EQ(r->request.prev_exist, std::optional<bool>(true));
  EXPECT_EQ(r->request.expiration_ns, kNow + 5'000'000'000);
  EXPECT_EQ(r->request.time_ns, kNow);
}

TEST(KeysRequest, BodyValuesWinOverQuery) {
  auto r = parse_keys_request(make("PUT", "/v2/keys/k?value=query", "value=body"), kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->request.value, "body");
}

TEST(KeysRequest, BodyIgnoredWithoutFormContentTypeAndOnDelete) {
  auto put = parse_keys_request(make("PUT", "/v2/keys/k", "value=x", false), kNow);
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->request.value, "");
  auto del = parse_keys_request(make("DELETE", "/v2/keys/d", "dir=true"), kNow);
  ASSERT_TRUE(del.ok());
  EXPECT_FALSE(del->request.dir) << "etcd reads DELETE parameters from the query only";
}

TEST(KeysRequest, PathIsDecodedAndCleaned) {
  auto r = parse_keys_request(make("GET", "/v2/keys/a%2Fb//c/"), kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->request.path, "/a/b/c");
  auto root = parse_keys_request(make("GET", "/v2/keys"), kNow);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->request.path, "/");
}

TEST(KeysRequest, WatchParameters) {
  auto r = parse_keys_request(
      make("GET", "/v2/keys/w?wait=true&waitIndex=7&recursive=true&stream=true"), kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->wait);
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->request.recursive);
  EXPECT_EQ(r->wait_index, store::EtcdIndex{7});
  EXPECT_TRUE(r->is_read());
}

struct Bad {
  std::string method;
  std::string target;
  std::string body;
  ErrorCode code;
  std::string cause;
};

void PrintTo(const Bad& b, std::ostream* os) {
  *os << b.method << " " << b.target.substr(0, 60) << (b.target.size() > 60 ? "..." : "") << " "
      << b.body;
}

class KeysRequestRejects : public ::testing::TestWithParam<Bad> {};

TEST_P(KeysRequestRejects, WithEtcdCodeAndCause) {
  const Bad& b = GetParam();
  auto r = parse_keys_request(make(b.method, b.target, b.body), kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, b.code);
  EXPECT_EQ(r.error().cause, b.cause);
  EXPECT_EQ(r.error().index, store::EtcdIndex{0});
}

INSTANTIATE_TEST_SUITE_P(
    Cases, KeysRequestRejects,
    ::testing::Values(
        Bad{"PUT", "/v2/keys/k", "ttl=abc", ErrorCode::ttl_nan, "invalid value for \"ttl\""},
        Bad{"PUT", "/v2/keys/k", "ttl=-1", ErrorCode::ttl_nan, "invalid value for \"ttl\""},
        Bad{"PUT", "/v2/keys/k?prevIndex=abc", "", ErrorCode::index_nan,
            "invalid value for \"prevIndex\""},
        Bad{"GET", "/v2/keys/k?waitIndex=-3", "", ErrorCode::index_nan,
            "invalid value for \"waitIndex\""},
        Bad{"GET", "/v2/keys/k?recursive=xyz", "", ErrorCode::invalid_field,
            "invalid value for \"recursive\""},
        Bad{"PUT", "/v2/keys/k?prevExist=xyz", "", ErrorCode::invalid_field,
            "invalid value for prevExist"},
        Bad{"PUT", "/v2/keys/k?wait=true", "", ErrorCode::invalid_field,
            "\"wait\" can only be used with GET requests"},
        Bad{"PUT", "/v2/keys/k?prevValue=", "", ErrorCode::prev_value_required,
            "\"prevValue\" cannot be empty"},
        Bad{"PUT", "/v2/keys/k", "refresh=true&value=x&ttl=3", ErrorCode::refresh_value,
            "A value was provided on a refresh"},
        Bad{"PUT", "/v2/keys/k", "refresh=true", ErrorCode::refresh_ttl_required,
            "No TTL value set"},
        Bad{"PUT", "/v2/keys/k?value=%zz", "", ErrorCode::invalid_form,
            "invalid URL escape \"%zz\""},
        Bad{"GET", "/v2/keys/%", "", ErrorCode::invalid_form, "invalid URL escape \"%\""},
        // Hardening (docs/etcd2.md "Limits and bad input"): etcd accepts these.
        Bad{"PUT", "/v2/keys/k", "ttl=4294967296", ErrorCode::ttl_nan,
            "invalid value for \"ttl\": more than 4294967295 seconds"},
        Bad{"PUT", "/v2/keys/k", "ttl=1.5", ErrorCode::ttl_nan, "invalid value for \"ttl\""},
        Bad{"PUT", "/v2/keys/k", "ttl=99999999999999999999", ErrorCode::ttl_nan,
            "invalid value for \"ttl\""},
        Bad{"PUT", "/v2/keys/k?prevIndex=", "", ErrorCode::index_nan,
            "invalid value for \"prevIndex\""},
        Bad{"PUT", "/v2/keys/k", "value=%ff", ErrorCode::invalid_form,
            "invalid UTF-8 in the value of \"value\""},
        Bad{"PUT", "/v2/keys/k?value=%C0%AF", "", ErrorCode::invalid_form,
            "invalid UTF-8 in the value of \"value\""},
        Bad{"GET", "/v2/keys/k?%ff=1", "", ErrorCode::invalid_form,
            "invalid UTF-8 in a field name"},
        Bad{"GET", "/v2/keys/a%ED%A0%80", "", ErrorCode::invalid_form,
            "invalid UTF-8 in the key"},
        Bad{"GET", "/v2/keys/a\xff", "", ErrorCode::invalid_form, "invalid UTF-8 in the key"},
        Bad{"GET", "/v2/keys/a/../b", "", ErrorCode::invalid_field,
            "\".\" and \"..\" are not allowed as key segments"},
        Bad{"DELETE", "/v2/keys/a/%2E%2e", "", ErrorCode::invalid_field,
            "\".\" and \"..\" are not allowed as key segments"},
        Bad{"PUT", "/v2/keys/./a", "value=1", ErrorCode::invalid_field,
            "\".\" and \"..\" are not allowed as key segments"},
        Bad{"PUT", "/v2/keys/" + std::string(8192, 'k'), "value=v", ErrorCode::invalid_field,
            "key is longer than 8192 bytes"},
        Bad{"POST", "/v2/keys/" + std::string(4096, 'k') + "/" + std::string(4096, 'k'), "",
            ErrorCode::invalid_field, "key is longer than 8192 bytes"}),
    [](const ::testing::TestParamInfo<Bad>& info) { return "Case" + std::to_string(info.index); });

TEST(KeysRequest, LargestTtlIsExact) {
  auto r = parse_keys_request(make("PUT", "/v2/keys/k", "ttl=4294967295"), kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->request.expiration_ns, kNow + int64_t{4'294'967'295} * 1'000'000'000);
  auto late = parse_keys_request(make("PUT", "/v2/keys/k", "ttl=4294967295"), INT64_MAX - 5);
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->request.expiration_ns, INT64_MAX) << "a clock near the end saturates";
}

TEST(KeysRequest, KeyLimitAndDotsInNamesAreFine) {
  const std::string longest = "/" + std::string(8191, 'k');
  auto r = parse_keys_request(make("PUT", "/v2/keys" + longest, "value=v"), kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->request.path, longest);
  for (const char* method : {"GET", "DELETE"}) {
    auto longer = parse_keys_request(make(method, "/v2/keys/" + std::string(9000, 'k')), kNow);
    EXPECT_TRUE(longer.ok()) << method << ": a longer key written before can still be reached";
  }
  for (const char* key : {"/a./b", "/.hidden", "/..x/y", "/a/...", "/%C3%BCnicode-%E6%BC%A2"}) {
    auto ok = parse_keys_request(make("GET", std::string("/v2/keys") + key), kNow);
    EXPECT_TRUE(ok.ok()) << key;
  }
  EXPECT_TRUE(parse_keys_request(make("GET", "/v2/keys/a?x=%F0%9F%98%80"), kNow).ok());
}

TEST(Form, ValidUtf8LikeGo) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("ascii \x7f"));
  EXPECT_TRUE(valid_utf8("\xC3\xBC\xE6\xBC\xA2\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF"));
  EXPECT_FALSE(valid_utf8("\x80"));               // stray continuation
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));           // overlong '/'
  EXPECT_FALSE(valid_utf8("\xE0\x80\xAF"));       // overlong
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));       // surrogate
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));   // above U+10FFFF
  EXPECT_FALSE(valid_utf8("\xC3"));               // truncated
  EXPECT_FALSE(valid_utf8("\xE6\xBC"));           // truncated
  EXPECT_FALSE(valid_utf8("\xFF"));
}

TEST(KeysRequest, DotSegments) {
  EXPECT_TRUE(has_dot_segment("/a/../b"));
  EXPECT_TRUE(has_dot_segment("/a/."));
  EXPECT_TRUE(has_dot_segment(".."));
  EXPECT_FALSE(has_dot_segment("/a//b/"));
  EXPECT_FALSE(has_dot_segment("/a.b/.c/d.."));
}

}  // namespace
}  // namespace etcd::api
