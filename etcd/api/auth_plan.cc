#include "etcd/api/auth_plan.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "etcd/api/response.h"

namespace etcd::api {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

std::string user_path(std::string_view name) {
  return std::string(auth::kUsersDir) + "/" + std::string(name);
}
std::string role_path(std::string_view name) {
  return std::string(auth::kRolesDir) + "/" + std::string(name);
}

store::Request put(std::string path, std::string value) {
  store::Request r;
  r.method = store::Method::put;
  r.path = std::move(path);
  r.value = std::move(value);
  return r;
}

store::Request remove(std::string path) {
  store::Request r;
  r.method = store::Method::remove;
  r.path = std::move(path);
  return r;
}

AuthPlan ok(int status, std::string body, std::vector<store::Request> writes = {}) {
  return AuthPlan{status, body.empty() ? body : body + "\n", std::move(writes)};
}

const auth::Role* find_role(const auth::State& state, std::string_view name,
                            const auth::Role& root) {
  return name == auth::kRootRole ? &root : state.role(name);
}

// A user as GET answers it: roles expanded to role objects (unknown roles left out).
ordered_json user_view(const auth::State& state, const auth::User& user) {
  const auth::Role root = auth::root_role();
  ordered_json roles = ordered_json::array();
  for (const auto& name : user.roles) {
    if (const auth::Role* r = find_role(state, name, root)) {
      roles.push_back(ordered_json::parse(auth::role_to_json(*r)));
    }
  }
  return ordered_json{{"user", user.name}, {"roles", roles}};
}

// A user as PUT answers it: role names only.
std::string user_names_json(const auth::User& user) {
  return ordered_json{{"user", user.name}, {"roles", user.roles}}.dump();
}

// The object at `field` of j (null when absent or null). Anything else is an error like
// Go's json.Unmarshal into a struct: get<object_t>() throws, and the caller answers 400.
const json* object_at(const json& j, const char* field) {
  if (!j.is_object()) (void)j.get<json::object_t>();
  if (!j.contains(field) || j[field].is_null()) return nullptr;
  (void)j[field].get<json::object_t>();
  return &j[field];
}

std::vector<std::string> strings_at(const json& j, const char* field) {
  if (!j.is_object()) (void)j.get<json::object_t>();
  if (!j.contains(field) || j[field].is_null()) return {};
  return j[field].get<std::vector<std::string>>();
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

void add_sorted(std::vector<std::string>& v, const std::vector<std::string>& more) {
  v.insert(v.end(), more.begin(), more.end());
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

AuthPlan auth_error(int status, std::string_view message) {
  return AuthPlan{status, message_body(message), {}};
}

AuthPlan plan_enable(const auth::State& state, bool enable) {
  if (!enable) {
    if (!state.enabled) return auth_error(409, "auth: already disabled");
    return ok(200, "", {put(std::string(auth::kEnabledKey), "false")});
  }
  if (state.enabled) return auth_error(409, "auth: already enabled");
  if (!state.users.contains(auth::kRootUser)) {
    return auth_error(409, "auth: No root user available, please create one");
  }
  std::vector<store::Request> writes;
  // etcd creates the guest role with full access on first enable, so enabling auth does
  // not lock out anonymous clients until an operator narrows or removes it.
  if (!state.role(auth::kGuestRole)) {
    const auth::Role guest = auth::full_access_guest_role();
    writes.push_back(put(role_path(guest.name), auth::role_to_json(guest)));
  }
  writes.push_back(put(std::string(auth::kEnabledKey), "true"));
  return ok(200, "", std::move(writes));
}

AuthPlan plan_users_list(const auth::State& state) {
  ordered_json users = ordered_json::array();
  for (const auto& [name, user] : state.users)
    users.push_back(user_view(state, user));
  if (users.empty()) return ok(200, R"({"users":null})");
  return ok(200, ordered_json{{"users", users}}.dump());
}

AuthPlan plan_user_get(const auth::State& state, std::string_view name) {
  auto it = state.users.find(name);
  if (it == state.users.end()) {
    return auth_error(404, "auth: User " + std::string(name) + " does not exist.");
  }
  return ok(200, user_view(state, it->second).dump());
}

namespace {

Result<std::string> hashed(const std::string& password) {
  return auth::hash_password(password);
}

// Grant/revoke on an existing user (etcd UpdateUser).
AuthPlan update_user(const auth::State& state, auth::User user, const json& body) {
  const auth::Role root = auth::root_role();
  for (const auto& r : strings_at(body, "grant")) {
    if (!find_role(state, r, root)) return auth_error(404, "auth: Role " + r + " does not exist.");
    if (contains(user.roles, r)) {
      return auth_error(409, "auth: Granting duplicate role " + r + " for user " + user.name);
    }
    add_sorted(user.roles, {r});
  }
  for (const auto& r : strings_at(body, "revoke")) {
    if (!contains(user.roles, r)) {
      return auth_error(409, "auth: Revoking ungranted role " + r + " for user " + user.name);
    }
    std::erase(user.roles, r);
  }
  if (const std::string pw = body.value("password", ""); !pw.empty()) {
    auto h = hashed(pw);
    if (!h) return auth_error(500, h.error().message);
    user.password_hash = *h;
  }
  return ok(200, user_names_json(user),
            {put(user_path(user.name), auth::user_to_store_json(user))});
}

AuthPlan create_user(const auth::State& state, std::string_view name, const json& body,
                     int status) {
  auth::User user{std::string(name), "", strings_at(body, "roles")};
  const std::string pw = body.value("password", "");
  if (pw.empty())
    return auth_error(400, "auth: Cannot create user " + user.name + " with an empty password");
  const auth::Role root = auth::root_role();
  for (const auto& r : user.roles) {
    if (!find_role(state, r, root)) return auth_error(404, "auth: Role " + r + " does not exist.");
  }
  if (name == auth::kRootUser) add_sorted(user.roles, {std::string(auth::kRootRole)});
  add_sorted(user.roles, {});
  auto h = hashed(pw);
  if (!h) return auth_error(500, h.error().message);
  user.password_hash = *h;
  return ok(status, user_names_json(user), {put(user_path(name), auth::user_to_store_json(user))});
}

}  // namespace

AuthPlan plan_user_put(const auth::State& state, std::string_view name, std::string_view text) {
  json body;
  try {
    body = json::parse(text);
    if (body.value("user", "") != name) {
      return auth_error(400, "User JSON name does not match the name in the URL");
    }
    auto it = state.users.find(name);
    const bool grant_or_revoke =
        !strings_at(body, "grant").empty() || !strings_at(body, "revoke").empty();
    if (grant_or_revoke || (it != state.users.end() && strings_at(body, "roles").empty())) {
      if (it == state.users.end()) {
        return auth_error(404, "auth: User " + std::string(name) + " does not exist.");
      }
      return update_user(state, it->second, body);
    }
    if (it != state.users.end()) {
      return auth_error(409, "auth: User " + std::string(name) + " already exists.");
    }
    // etcd answers 201 only when it could not tell create from update (no roles given).
    return create_user(state, name, body, strings_at(body, "roles").empty() ? 201 : 200);
  } catch (const json::exception&) {
    return auth_error(400, "Invalid JSON in request body.");
  }
}

AuthPlan plan_user_delete(const auth::State& state, std::string_view name) {
  if (state.enabled && name == auth::kRootUser) {
    return auth_error(403, "auth: Cannot delete root user while auth is enabled.");
  }
  if (!state.users.contains(name)) {
    return auth_error(404, "auth: User " + std::string(name) + " does not exist");
  }
  return ok(200, "", {remove(user_path(name))});
}

AuthPlan plan_roles_list(const auth::State& state) {
  std::map<std::string, auth::Role, std::less<>> all = state.roles;
  all[std::string(auth::kRootRole)] = auth::root_role();
  ordered_json roles = ordered_json::array();
  for (const auto& [name, role] : all)
    roles.push_back(ordered_json::parse(auth::role_to_json(role)));
  return ok(200, ordered_json{{"roles", roles}}.dump());
}

AuthPlan plan_role_get(const auth::State& state, std::string_view name) {
  const auth::Role root = auth::root_role();
  const auth::Role* r = find_role(state, name, root);
  if (!r) return auth_error(404, "auth: Role " + std::string(name) + " does not exist.");
  return ok(200, auth::role_to_json(*r));
}

namespace {

auth::Permissions kv_at(const json& body, const char* field) {
  auth::Permissions p;
  const json* perms = object_at(body, field);
  if (perms == nullptr) return p;
  const json* kv = object_at(*perms, "kv");
  if (kv == nullptr) return p;
  p.read = strings_at(*kv, "read");
  p.write = strings_at(*kv, "write");
  return p;
}

AuthPlan update_role(auth::Role role, const json& body) {
  const auth::Role before = role;
  const auth::Permissions grant = kv_at(body, "grant");
  const auth::Permissions revoke = kv_at(body, "revoke");
  add_sorted(role.kv.read, grant.read);
  add_sorted(role.kv.write, grant.write);
  for (const auto& p : revoke.read)
    std::erase(role.kv.read, p);
  for (const auto& p : revoke.write)
    std::erase(role.kv.write, p);
  if (role == before) {
    return auth_error(400, "auth: Role not updated. Use grant/revoke to update the role.");
  }
  const std::string value = auth::role_to_json(role);
  return ok(200, value, {put(role_path(role.name), value)});
}

}  // namespace

AuthPlan plan_role_put(const auth::State& state, std::string_view name, std::string_view text) {
  try {
    const json body = json::parse(text);
    if (body.value("role", "") != name) {
      return auth_error(400, "Role JSON name does not match the name in the URL");
    }
    if (name == auth::kRootRole) {
      return auth_error(403, "auth: Cannot modify role root: is root role.");
    }
    const auth::Role* existing = state.role(name);
    if (body.contains("grant") || body.contains("revoke")) {
      if (!existing) return auth_error(404, "auth: Role " + std::string(name) + " does not exist.");
      return update_role(*existing, body);
    }
    if (existing) return auth_error(409, "auth: Role " + std::string(name) + " already exists.");
    auth::Role role{std::string(name), kv_at(body, "permissions")};
    add_sorted(role.kv.read, {});
    add_sorted(role.kv.write, {});
    const std::string value = auth::role_to_json(role);
    return ok(201, value, {put(role_path(name), value)});
  } catch (const json::exception&) {
    return auth_error(400, "Invalid JSON in request body.");
  }
}

AuthPlan plan_role_delete(const auth::State& state, std::string_view name) {
  if (name == auth::kRootRole)
    return auth_error(403, "auth: Cannot modify role root: is root role.");
  if (!state.role(name))
    return auth_error(404, "auth: Role " + std::string(name) + " doesn't exist.");
  return ok(200, "", {remove(role_path(name))});
}

auth::State auth_state_from_tree(const store::Node& dir) {
  auth::State state;
  for (const auto& child : dir.children) {
    if (child.key == auth::kEnabledKey) state.enabled = child.value == "true";
    const bool users = child.key == auth::kUsersDir;
    if (!users && child.key != auth::kRolesDir) continue;
    for (const auto& leaf : child.children) {
      if (!leaf.value) continue;
      if (users) {
        if (auto u = auth::user_from_json(*leaf.value)) state.users[u->name] = std::move(*u);
      } else if (auto r = auth::role_from_json(*leaf.value)) {
        state.roles[r->name] = std::move(*r);
      }
    }
  }
  return state;
}

}  // namespace etcd::api
