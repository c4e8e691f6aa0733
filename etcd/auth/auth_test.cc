#include "etcd/auth/auth.h"

#include <gtest/gtest.h>

namespace etcd::auth {
namespace {

std::string basic(std::string_view user_pass) {
  // Precomputed base64 for the few credentials used below.
  if (user_pass == "root:pw") return "Basic cm9vdDpwdw==";
  if (user_pass == "alice:a") return "Basic YWxpY2U6YQ==";
  if (user_pass == "alice:x") return "Basic YWxpY2U6eA==";
  return "Basic !!!!";
}

State sample_state() {
  State s;
  s.enabled = true;
  s.users["root"] = User{"root", hash_password("pw").value(), {"root"}};
  s.users["alice"] = User{"alice", hash_password("a").value(), {"foo"}};
  s.roles["foo"] = Role{"foo", {{"/foo/*", "/bar"}, {"/foo/*"}}};
  return s;
}

TEST(Pattern, ExactAndPrefix) {
  EXPECT_TRUE(pattern_matches("/foo", "/foo"));
  EXPECT_FALSE(pattern_matches("/foo", "/foo/x"));
  EXPECT_TRUE(pattern_matches("/foo/*", "/foo/x/y"));
  EXPECT_FALSE(pattern_matches("/foo/*", "/foo"));
  EXPECT_TRUE(pattern_matches("/*", "/anything"));
}

TEST(Role, RecursiveNeedsPrefixPattern) {
  Role r{"r", {{"/a", "/b/*"}, {}}};
  EXPECT_TRUE(has_key_access(r, "/a", false, false));
  EXPECT_FALSE(has_key_access(r, "/a", false, true));
  EXPECT_TRUE(has_key_access(r, "/b/c", false, true));
  EXPECT_FALSE(has_key_access(r, "/a", true, false));
  EXPECT_TRUE(has_key_access(root_role(), "/x", true, true));
}

TEST(Json, RoundTripsAsEtcdStoresIt) {
  User u{"alice", "h", {"foo", "bar"}};
  auto back = user_from_json(user_to_store_json(u));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->roles, (std::vector<std::string>{"bar", "foo"}));
  EXPECT_EQ(role_to_json(Role{"foo", {{"/a"}, {}}}),
            R"({"role":"foo","permissions":{"kv":{"read":["/a"],"write":[]}}})");
  auto role = role_from_json(R"({"role":"x","permissions":{"kv":{"read":null}}})");
  ASSERT_TRUE(role);
  EXPECT_TRUE(role->kv.read.empty());
  EXPECT_FALSE(role_from_json("garbage"));
}

TEST(Password, HashedSaltedAndChecked) {
  auto h1 = hash_password("secret");
  auto h2 = hash_password("secret");
  ASSERT_TRUE(h1 && h2);
  EXPECT_NE(*h1, *h2);  // random salt
  EXPECT_EQ(h1->find("secret"), std::string::npos);
  EXPECT_TRUE(check_password("secret", *h1));
  EXPECT_FALSE(check_password("Secret", *h1));
  EXPECT_FALSE(check_password("secret", "secret"));
  EXPECT_FALSE(check_password("secret", "pbkdf2-sha256$x$00$00"));
  // A hand-made record asking for 99,999,999 rounds is refused, not computed for a minute.
  const std::string salt_and_key = h1->substr(h1->find('$', std::string("pbkdf2-sha256$").size()));
  EXPECT_FALSE(check_password("secret", "pbkdf2-sha256$99999999" + salt_and_key));
}

TEST(BasicAuth, Parses) {
  auto c = parse_basic_auth("Basic cm9vdDpwdw==");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "root");
  EXPECT_EQ(c->password, "pw");
  EXPECT_FALSE(parse_basic_auth("Bearer x"));
  EXPECT_FALSE(parse_basic_auth("Basic !!!!"));
  EXPECT_FALSE(parse_basic_auth("Basic cm9vdA=="));  // no colon
}

// fuzz_json_bodies: more '=' than the three bytes EVP_DecodeBlock decodes from them used to
// wrap the length around (std::length_error out of every authenticated request).
TEST(BasicAuth, RejectsPaddingOnlyAndMisplacedPadding) {
  EXPECT_FALSE(parse_basic_auth("Basic ===="));
  EXPECT_FALSE(parse_basic_auth("Basic ========"));
  EXPECT_FALSE(parse_basic_auth("Basic cm9vdDpw===="));
  EXPECT_FALSE(parse_basic_auth("Basic cm9v=Dpw"));      // '=' before the end
  EXPECT_FALSE(parse_basic_auth("Basic cm9vdDpwd==="));  // three '='
  auto c = parse_basic_auth("Basic cm9vdDpwdzE=");       // one '='
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "root");
  EXPECT_EQ(c->password, "pw1");
  auto d = parse_basic_auth("Basic cm9vdDpwdzEy");  // none
  ASSERT_TRUE(d);
  EXPECT_EQ(d->password, "pw12");
}

TEST(Decision, DisabledAllowsEverything) {
  State s = sample_state();
  s.enabled = false;
  EXPECT_TRUE(has_key_access(s, std::nullopt, "/x", true, true));
  EXPECT_TRUE(has_root_access(s, std::nullopt));
}

TEST(Decision, EnabledChecksUsersAndGuest) {
  State s = sample_state();
  EXPECT_FALSE(has_key_access(s, std::nullopt, "/x", false, false));  // no guest role
  s.roles["guest"] = full_access_guest_role();
  EXPECT_TRUE(has_key_access(s, std::nullopt, "/x", true, false));
  EXPECT_TRUE(has_key_access(s, basic("alice:a"), "/foo/x", true, false));
  EXPECT_FALSE(has_key_access(s, basic("alice:a"), "/x", false, false));
  EXPECT_FALSE(has_key_access(s, basic("alice:x"), "/foo/x", false, false));
  EXPECT_TRUE(has_key_access(s, basic("root:pw"), "/x", true, true));
  EXPECT_TRUE(has_root_access(s, basic("root:pw")));
  EXPECT_FALSE(has_root_access(s, basic("alice:a")));
  EXPECT_FALSE(has_root_access(s, std::nullopt));
}

}  // namespace
}  // namespace etcd::auth
