#include "etcd/api/auth_plan.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace etcd::api
