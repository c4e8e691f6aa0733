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

void PrintTo(const Bad& b, std::ostream* os) { *os << b.method << " " << b.target << " " << b.body; }

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
        Bad{"GET", "/v2/keys/%", "", ErrorCode::invalid_form, "invalid URL escape \"%\""}),
    [](const ::testing::TestParamInfo<Bad>& info) { return "Case" + std::to_string(info.index); });

TEST(KeysRequest, HugeTtlSaturatesInsteadOfOverflowing) {
  auto r = parse_keys_request(make("PUT", "/v2/keys/k", "ttl=18446744073709551615"), kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r->request.expiration_ns, kNow);
}

}  // namespace
}  // namespace etcd::api
