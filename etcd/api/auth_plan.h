// The /v2/auth endpoints as pure functions of the member's applied auth state: each
// request becomes an answer (etcd's status and body) plus the store writes that carry the
// change through raft. etcd 2.3 etcdserver/api/v2http/client_auth.go and v2auth, with
// their exact messages. Pure; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "etcd/auth/auth.h"
#include "etcd/store/event.h"
#include "etcd/store/request.h"

namespace etcd::api {

struct AuthPlan {
  int status = 200;
  std::string body;                    // "" or a JSON document ending in '\n'
  std::vector<store::Request> writes;  // applied in order; the answer waits for the last
};

// {"message":"..."} with `status`.
AuthPlan auth_error(int status, std::string_view message);

AuthPlan plan_enable(const auth::State& state, bool enable);
AuthPlan plan_users_list(const auth::State& state);
AuthPlan plan_user_get(const auth::State& state, std::string_view name);
// `body`: {"user","password","roles","grant","revoke"}; hashes a new password.
AuthPlan plan_user_put(const auth::State& state, std::string_view name, std::string_view body);
AuthPlan plan_user_delete(const auth::State& state, std::string_view name);
AuthPlan plan_roles_list(const auth::State& state);
AuthPlan plan_role_get(const auth::State& state, std::string_view name);
// `body`: {"role","permissions":{"kv":{"read","write"}},"grant","revoke"}.
AuthPlan plan_role_put(const auth::State& state, std::string_view name, std::string_view body);
AuthPlan plan_role_delete(const auth::State& state, std::string_view name);

// The state the plans' writes build, read back from the /_auth tree of the store;
// unreadable entries are skipped (only a hand-written key could hold one, and the keys API
// refuses those).
auth::State auth_state_from_tree(const store::Node& dir);

}  // namespace etcd::api
