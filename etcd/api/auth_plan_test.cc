#include "etcd/api/auth_plan.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "etcd/api/router.h"
#include "etcd/http/exchange.h"

namespace etcd::api {
namespace {

auth::State with_root() {
  auth::State s;
  s.users["root"] = auth::User{"root", auth::hash_password("pw").value(), {"root"}};
  return s;
}

TEST(AuthPlan, EnableNeedsRootUserAndCreatesGuest) {
  auto none = plan_enable(auth::State{}, true);
  EXPECT_EQ(none.status, 409);
  EXPECT_EQ(none.body, "{\"message\":\"auth: No root user available, please create one\"}\n");
  EXPECT_TRUE(none.writes.empty());
  auto ok = plan_enable(with_root(), true);
  EXPECT_EQ(ok.status, 200);
  ASSERT_EQ(ok.writes.size(), 2u);
  EXPECT_EQ(ok.writes[0].path, "/_auth/roles/guest");
  EXPECT_EQ(ok.writes[1].path, "/_auth/enabled");
  EXPECT_EQ(ok.writes[1].value, "true");
  EXPECT_EQ(plan_enable(auth::State{}, false).status, 409);
}

TEST(AuthPlan, CreatingRootGrantsRootRoleAndHashes) {
  auto p = plan_user_put(auth::State{}, "root", R"({"user":"root","password":"pw"})");
  EXPECT_EQ(p.status, 201);
  EXPECT_EQ(p.body, "{\"user\":\"root\",\"roles\":[\"root\"]}\n");
  ASSERT_EQ(p.writes.size(), 1u);
  EXPECT_EQ(p.writes[0].value.find("\"pw\""), std::string::npos);
  auto stored = auth::user_from_json(p.writes[0].value);
  ASSERT_TRUE(stored);
  EXPECT_TRUE(auth::check_password("pw", stored->password_hash));
}

TEST(AuthPlan, UserErrorsAsEtcd) {
  auth::State s = with_root();
  EXPECT_EQ(plan_user_put(s, "bob", R"({"user":"bob","grant":["x"]})").status, 404);
  EXPECT_EQ(plan_user_put(s, "bob", R"({"user":"eve","password":"p"})").status, 400);
  EXPECT_EQ(plan_user_put(s, "bob", "nope").status, 400);
  EXPECT_EQ(plan_user_put(s, "root", R"({"user":"root","revoke":["zzz"]})").status, 409);
  s.enabled = true;
  EXPECT_EQ(plan_user_delete(s, "root").status, 403);
  EXPECT_EQ(plan_user_delete(s, "nobody").status, 404);
}

TEST(AuthPlan, RolesGrantRevokeAndRootIsFixed) {
  auth::State s;
  auto created = plan_role_put(s, "app", R"({"role":"app","permissions":{"kv":{"read":["/a"]}}})");
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(created.body, R"({"role":"app","permissions":{"kv":{"read":["/a"],"write":[]}}})"
                          "\n");
  s.roles["app"] = auth::role_from_json(created.writes[0].value).value();
  auto granted = plan_role_put(s, "app", R"({"role":"app","grant":{"kv":{"write":["/b/*"]}}})");
  EXPECT_EQ(granted.status, 200);
  EXPECT_EQ(plan_role_put(s, "app", R"({"role":"app","revoke":{"kv":{"read":["/z"]}}})").status,
            400);
  EXPECT_EQ(plan_role_put(s, "root", R"({"role":"root","grant":{}})").status, 403);
  EXPECT_EQ(plan_role_delete(s, "root").status, 403);
  EXPECT_EQ(plan_role_get(s, "root").status, 200);
  EXPECT_EQ(plan_roles_list(s).body,
            R"({"roles":[{"role":"app","permissions":{"kv":{"read":["/a"],"write":[]}}},)"
            R"({"role":"root","permissions":{"kv":{"read":["/*"],"write":["/*"]}}}]})"
            "\n");
}

// Go unmarshals these bodies into structs: a permissions value of the wrong type is a 400,
// never a role created with no permissions.
TEST(AuthPlan, PermissionsOfTheWrongTypeAreRefused) {
  auth::State s;
  for (const char* body : {R"({"role":"r","permissions":7})", R"({"role":"r","permissions":[]})",
                           R"({"role":"r","permissions":{"kv":"x"}})",
                           R"({"role":"r","permissions":{"kv":{"read":"/a"}}})"}) {
    const AuthPlan plan = plan_role_put(s, "r", body);
    EXPECT_EQ(plan.status, 400) << body;
    EXPECT_TRUE(plan.writes.empty()) << body;
  }
  s.roles["r"] = auth::Role{"r", {}};
  EXPECT_EQ(plan_role_put(s, "r", R"({"role":"r","grant":{"kv":[1]}})").status, 400);
  EXPECT_EQ(plan_role_put(s, "r", R"({"role":"r","revoke":true})").status, 400);
}

// fuzz_json_bodies: a name from the URL may be any bytes; an answer quoting it used to
// throw from nlohmann's dump() (invalid UTF-8) out of the handler and end the process.
TEST(AuthPlan, ErrorsQuotingInvalidUtf8NamesAreValidJson) {
  const auth::State s = with_root();
  for (const auto& plan : {plan_user_get(s, "\xff\xfe"), plan_user_delete(s, "\xc2"),
                           plan_role_get(s,
                                         "a\x80"
                                         "b"),
                           plan_role_delete(s, "\xe2\x82")}) {
    EXPECT_EQ(plan.status, 404);
    EXPECT_TRUE(nlohmann::json::accept(plan.body)) << plan.body;
    EXPECT_NE(plan.body.find("\xef\xbf\xbd"), std::string::npos) << plan.body;  // U+FFFD
  }
}

// A Backend with no members; only what POST/PUT /v2/members reach is answered.
class NoMembers final : public Backend {
 public:
  uint64_t cluster_id() const override { return 1; }
  void write(store::Request, EventCallback) override {}
  void read(const KeysRequest&, EventCallback) override {}
  CancelWatch watch(const KeysRequest&, WatchCallbacks) override {
    return [] {};
  }
  void members(std::function<void(MemberList)> done) override { done({}); }
  void add_member(std::vector<std::string> urls,
                  std::function<void(Result<server::Member>)> done) override {
    done(server::Member{NodeId{2}, "", std::move(urls), {}, false});
  }
  void remove_member(uint64_t, std::function<void(Result<server::Member>)> done) override {
    done(Error{"membership: member not found"});
  }
  void update_member(uint64_t, std::vector<std::string>,
                     std::function<void(Result<server::Member>)> done) override {
    done(Error{"membership: member not found"});
  }
  void store_stats(std::function<void(store::Stats)>) override {}
  void self_stats(std::function<void(SelfStats)>) override {}
  void leader_stats(std::function<void(std::optional<std::string>)>) override {}
  void health(std::function<void(bool)>) override {}
  void metrics(std::function<void(std::string)>) override {}
  void auth_state(std::function<void(auth::State)> done) override { done({}); }
};

int members_status(Backend& backend, std::string method, std::string target, std::string body) {
  int status = 0;
  const http::ResponseObserver observer = [&](const http::Request&, int s) { status = s; };
  http::Request request{.method = std::move(method), .target = std::move(target)};
  request.headers.push_back({"Content-Type", "application/json"});
  request.body = std::move(body);
  const auto router = make_router(backend, {});
  router(std::make_shared<http::Exchange>(std::move(request), std::weak_ptr<http::Session>(),
                                          &observer));
  return status;
}

// fuzz_json_bodies: nlohmann's parse error quotes the bad input byte; the 400 answer
// carrying it used to throw from dump() (invalid UTF-8) and end the process.
TEST(MembersBody, ParseErrorWithInvalidUtf8IsA400) {
  NoMembers backend;
  EXPECT_EQ(members_status(backend, "POST", "/v2/members", "{\"peerURLs\":[]\xc2}"), 400);
  EXPECT_EQ(members_status(backend, "PUT", "/v2/members/2", "\xff"), 400);
  EXPECT_EQ(
      members_status(backend, "POST", "/v2/members", R"({"peerURLs":["http://10.0.0.2:2380"]})"),
      201);
}

}  // namespace
}  // namespace etcd::api
