// libFuzzer target: the JSON bodies clients send outside /v2/keys. The first byte picks the
// parser, the second a name (where one is needed), the rest is the body:
//   0  POST /v2/members        {"peerURLs":[...]} through the router onto a FakeBackend
//   1  PUT /v2/members/<id>    the same for an existing member (update)
//   2  plan_user_put           /v2/auth/users/<name>, on a state with root, alice and roles
//   3  plan_role_put           /v2/auth/roles/<name>
//   4  user_from_json          the stored user form; round trip through user_to_store_json
//   5  role_from_json          the stored role form; round trip through role_to_json
//   6  plan_enable & friends   an auth state read from a body of stored JSON lines (as the
//                              server reads /_auth), then enable/disable/list/get on it
//   7  parse_basic_auth        an Authorization header
//   8  user plans by any name  the name is the body's first line (a URL segment: raw bytes),
//                              the rest the body: user get/put/delete on the base state
//   9  role plans by any name  the same for roles
// A plan's writes are applied to a store holding the state it was planned on, and the
// state is read back as the server reads it: every user and role a plan writes must read
// back (or the server would silently drop it). Must never crash.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "etcd/api/auth_plan.h"
#include "etcd/api/fuzz/fake_backend.h"
#include "etcd/api/router.h"
#include "etcd/auth/auth.h"
#include "etcd/http/exchange.h"
#include "etcd/store/store.h"

namespace {

using etcd::api::fuzz::check;
namespace auth = etcd::auth;
namespace store = etcd::store;

constexpr std::string_view kNames[] = {"root",    "alice", "bob", "guest",
                                       "readers", "app",   "x y", "é"};

// Hashed once: every input starts from this state (hashing costs ~10 ms).
const auth::State& base_state() {
  static const auth::State state = [] {
    auth::State s;
    const std::string hash = auth::hash_password("pw").value();
    s.users["root"] = auth::User{"root", hash, {"root"}};
    s.users["alice"] = auth::User{"alice", hash, {"readers"}};
    s.roles["readers"] = auth::Role{"readers", {{"/pub/*"}, {}}};
    s.roles["app"] = auth::Role{"app", {{"/app", "/app/*"}, {"/app/*"}}};
    return s;
  }();
  return state;
}

store::Request put(std::string path, std::string value) {
  store::Request r;
  r.method = store::Method::put;
  r.path = std::move(path);
  r.value = std::move(value);
  return r;
}

// A store holding `state` under /_auth, as the auth handlers would have written it.
void write_state(etcd::api::fuzz::FakeBackend& backend, const auth::State& state) {
  for (const auto& [name, user] : state.users) {
    check(backend
              .apply(put(std::string(auth::kUsersDir) + "/" + name, auth::user_to_store_json(user)))
              .ok());
  }
  for (const auto& [name, role] : state.roles) {
    check(backend.apply(put(std::string(auth::kRolesDir) + "/" + name, auth::role_to_json(role)))
              .ok());
  }
  if (state.enabled) check(backend.apply(put(std::string(auth::kEnabledKey), "true")).ok());
}

auth::State read_state(etcd::api::fuzz::FakeBackend& backend) {
  auto tree = backend.store().get(auth::kStoreDir, true, false, 0);
  return tree ? etcd::api::auth_state_from_tree(tree->node) : auth::State{};
}

void check_plan_shape(const etcd::api::AuthPlan& plan) {
  check(plan.status >= 200 && plan.status <= 599);
  if (!plan.body.empty()) {
    check(plan.body.back() == '\n');
    check(nlohmann::json::accept(plan.body));
  }
  if (plan.status >= 300) check(plan.writes.empty());
}

// Applies the plan's writes on top of `state` and checks what the server reads back.
void apply_plan(const auth::State& state, const etcd::api::AuthPlan& plan) {
  check_plan_shape(plan);
  if (plan.writes.empty()) return;
  auto opened = store::Store::open(":memory:");
  check(opened.ok());
  auto db = std::move(opened).value();
  etcd::api::fuzz::FakeBackend backend(*db);
  write_state(backend, state);
  for (const auto& w : plan.writes) {
    const std::string_view path = w.path;
    check(path == auth::kEnabledKey || path.starts_with(std::string(auth::kUsersDir) + "/") ||
          path.starts_with(std::string(auth::kRolesDir) + "/"));
    if (w.method == store::Method::put && path.starts_with(auth::kUsersDir)) {
      auto user = auth::user_from_json(w.value);
      check(user.ok());
      check(path.substr(auth::kUsersDir.size() + 1) == user->name);
      check(!user->password_hash.empty());
    }
    if (w.method == store::Method::put && path.starts_with(auth::kRolesDir)) {
      auto role = auth::role_from_json(w.value);
      check(role.ok());
      check(path.substr(auth::kRolesDir.size() + 1) == role->name);
      check(role->name != auth::kRootRole);
    }
    (void)backend.apply(w);
  }
  const auth::State after = read_state(backend);
  // Every user's roles still exist (or are root), as etcd keeps them.
  for (const auto& [name, user] : after.users) {
    check(name == user.name);
    for (const auto& role : user.roles)
      check(role == auth::kRootRole || after.role(role));
  }
}

int route(etcd::api::fuzz::FakeBackend& backend, std::string method, std::string target,
          std::string body) {
  const etcd::http::Handler router = etcd::api::make_router(backend, {});
  int status = 0;
  int answers = 0;
  const etcd::http::ResponseObserver observer = [&](const etcd::http::Request&, int s) {
    status = s;
    ++answers;
  };
  etcd::http::Request request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.headers.push_back({"Content-Type", "application/json"});
  request.body = std::move(body);
  auto exchange = std::make_shared<etcd::http::Exchange>(
      std::move(request), std::weak_ptr<etcd::http::Session>(), &observer);
  router(exchange);
  check(answers == 1);
  return status;
}

void members(bool update, std::string body) {
  auto opened = store::Store::open(":memory:");
  check(opened.ok());
  auto db = std::move(opened).value();
  etcd::api::fuzz::FakeBackend backend(*db);
  if (!update) {
    const int status = route(backend, "POST", "/v2/members", std::move(body));
    check(status == 201 || status == 400 || status == 409);
    return;
  }
  // A second member to update, then the update itself.
  check(route(backend, "POST", "/v2/members", R"({"peerURLs":["http://10.0.0.2:2380"]})") == 201);
  std::string id;
  backend.members([&](etcd::api::MemberList list) {
    id = etcd::server::id_to_hex(list.members.back().id.value);
  });
  const int status = route(backend, "PUT", "/v2/members/" + id, std::move(body));
  check(status == 204 || status == 400 || status == 409);
}

void roundtrip_user(std::string_view body) {
  auto user = auth::user_from_json(body);
  if (!user) return;
  auto again = auth::user_from_json(auth::user_to_store_json(*user));
  check(again.ok() && *again == *user);
}

void roundtrip_role(std::string_view body) {
  auto role = auth::role_from_json(body);
  if (!role) return;
  auto again = auth::role_from_json(auth::role_to_json(*role));
  check(again.ok() && *again == *role);
}

// A state as the server reads it from /_auth: each line a stored user or role.
void state_ops(std::string_view body) {
  auth::State state;
  while (!body.empty()) {
    const size_t eol = body.find('\n');
    const std::string_view line = body.substr(0, eol);
    body = eol == std::string_view::npos ? std::string_view() : body.substr(eol + 1);
    if (line == "enabled") state.enabled = true;
    if (auto u = auth::user_from_json(line)) state.users[u->name] = std::move(*u);
    if (auto r = auth::role_from_json(line)) state.roles[r->name] = std::move(*r);
  }
  for (const bool enable : {true, false}) {
    const auto plan = etcd::api::plan_enable(state, enable);
    check_plan_shape(plan);
    if (enable && plan.status == 200) check(!plan.writes.empty());
  }
  check_plan_shape(etcd::api::plan_users_list(state));
  check_plan_shape(etcd::api::plan_roles_list(state));
  for (const auto& [name, user] : state.users) {
    check_plan_shape(etcd::api::plan_user_get(state, name));
    check_plan_shape(etcd::api::plan_user_delete(state, name));
  }
  for (const auto& [name, role] : state.roles) {
    check_plan_shape(etcd::api::plan_role_get(state, name));
    check_plan_shape(etcd::api::plan_role_delete(state, name));
  }
  // The guest decision (no credentials: no password check on a fuzzed hash).
  for (const char* key : {"/", "/a", "/app/x", "/pub/1"}) {
    (void)auth::has_key_access(state, std::nullopt, key, false, false);
    (void)auth::has_key_access(state, std::nullopt, key, true, true);
  }
  (void)auth::has_root_access(state, std::nullopt);
}

// A name from the URL is any bytes but '/'; answers must still be valid JSON.
void named(bool user, std::string_view input) {
  const size_t eol = input.find('\n');
  const std::string_view name = input.substr(0, eol);
  const std::string_view body =
      eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);
  const auth::State& state = base_state();
  if (user) {
    check_plan_shape(etcd::api::plan_user_get(state, name));
    check_plan_shape(etcd::api::plan_user_delete(state, name));
    apply_plan(state, etcd::api::plan_user_put(state, name, body));
  } else {
    check_plan_shape(etcd::api::plan_role_get(state, name));
    check_plan_shape(etcd::api::plan_role_delete(state, name));
    apply_plan(state, etcd::api::plan_role_put(state, name, body));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = (spdlog::set_level(spdlog::level::off), true);
  (void)quiet;
  if (size < 2) return 0;
  const uint8_t op = data[0] % 10;
  const std::string_view name = kNames[data[1] % std::size(kNames)];
  const std::string_view body(reinterpret_cast<const char*>(data) + 2, size - 2);
  switch (op) {
    case 0:
      members(false, std::string(body));
      break;
    case 1:
      members(true, std::string(body));
      break;
    case 2:
      apply_plan(base_state(), etcd::api::plan_user_put(base_state(), name, body));
      break;
    case 3:
      apply_plan(base_state(), etcd::api::plan_role_put(base_state(), name, body));
      break;
    case 4:
      roundtrip_user(body);
      break;
    case 5:
      roundtrip_role(body);
      break;
    case 6:
      state_ops(body);
      break;
    case 7:
      (void)auth::parse_basic_auth(body);
      break;
    case 8:
      named(true, body);
      break;
    case 9:
      named(false, body);
      break;
  }
  return 0;
}
