#include "etcd/api/auth_handlers.h"

#include "etcd/api/auth_plan.h"

namespace etcd::api {
namespace {

using ExchangePtr = std::shared_ptr<http::Exchange>;

std::optional<std::string> authorization(const ExchangePtr& ex) {
  const std::string* h = ex->request().header("Authorization");
  return h ? std::optional<std::string>(*h) : std::nullopt;
}

void answer(const ExchangePtr& ex, const Cors& cors, http::Response r) {
  cors.apply(ex->request(), r);
  ex->respond(std::move(r));
}

void answer_plan(const ExchangePtr& ex, const Cors& cors, const AuthPlan& plan) {
  http::Response r = json_response(plan.status, plan.body);
  answer(ex, cors, std::move(r));
}

// Proposes the plan's writes one after another (each waits for the previous to apply, so
// the guest role exists before the switch turns on), then answers.
void run_writes(Backend& backend, const Cors& cors, ExchangePtr ex, std::shared_ptr<AuthPlan> plan,
                size_t next, int64_t now_ns) {
  if (next == plan->writes.size()) return answer_plan(ex, cors, *plan);
  store::Request request = plan->writes[next];
  request.time_ns = now_ns;
  backend.write(std::move(request), [&backend, cors, ex, plan, next, now_ns](EventResult r,
                                                                             IndexHeaders) {
    if (!r)
      return answer(ex, cors,
                    message_response(500, r.error().cause.empty() ? std::string(r.error().message())
                                                                  : r.error().cause));
    run_writes(backend, cors, ex, plan, next + 1, now_ns);
  });
}

AuthPlan plan_for(const auth::State& state, std::string_view rest, const http::Request& req) {
  const std::string& m = req.method;
  auto not_allowed = [](const char*) { return AuthPlan{405, "", {}}; };
  if (rest == "/enable") {
    if (m == "GET")
      return AuthPlan{200, state.enabled ? "{\"enabled\":true}\n" : "{\"enabled\":false}\n", {}};
    if (m == "PUT" || m == "DELETE") return plan_enable(state, m == "PUT");
    return not_allowed("GET,PUT,DELETE");
  }
  const bool users = rest.starts_with("/users");
  rest.remove_prefix(6);  // "/users" or "/roles"
  if (rest.empty() || rest == "/") {
    if (m != "GET") return not_allowed("GET");
    return users ? plan_users_list(state) : plan_roles_list(state);
  }
  const std::string_view name = rest.substr(1);
  if (m == "GET") return users ? plan_user_get(state, name) : plan_role_get(state, name);
  if (m == "PUT") {
    return users ? plan_user_put(state, name, req.body) : plan_role_put(state, name, req.body);
  }
  if (m == "DELETE") return users ? plan_user_delete(state, name) : plan_role_delete(state, name);
  return not_allowed("GET,PUT,DELETE");
}

http::Response not_allowed_response(std::string_view rest) {
  http::Response r = text_response(405, "Method Not Allowed\n");
  const bool list = rest == "/users" || rest == "/users/" || rest == "/roles" || rest == "/roles/";
  r.set("Allow", list ? "GET" : "GET,PUT,DELETE");  // etcd's header order
  r.set("X-Content-Type-Options", "nosniff");
  return r;
}

// /enable, /users[/], /roles[/], /users/<name>, /roles/<name> (a name without '/').
bool valid_auth_path(std::string_view rest) {
  if (rest == "/enable") return true;
  if (!rest.starts_with("/users") && !rest.starts_with("/roles")) return false;
  rest.remove_prefix(6);
  if (rest.empty() || rest == "/") return true;
  return rest[0] == '/' && rest.find('/', 1) == std::string_view::npos;
}

}  // namespace

void with_root_access(Backend& backend, const Cors& cors, ExchangePtr ex,
                      std::function<void()> allowed) {
  backend.auth_state([cors, ex, allowed = std::move(allowed)](auth::State state) {
    if (!auth::has_root_access(state, authorization(ex))) {
      return answer(ex, cors, message_response(401, "Insufficient credentials"));
    }
    allowed();
  });
}

void handle_auth(Backend& backend, const Cors& cors, const Clock& clock, std::string_view rest,
                 ExchangePtr ex) {
  if (!valid_auth_path(rest)) {
    http::Response r = text_response(404, "404 page not found\n");
    r.set("X-Content-Type-Options", "nosniff");
    return answer(ex, cors, std::move(r));
  }
  const int64_t now_ns = clock.now_unix_ns();
  backend.auth_state([&backend, cors, ex, rest = std::string(rest), now_ns](auth::State state) {
    const bool open = rest == "/enable" && ex->request().method == "GET";
    if (!open && !auth::has_root_access(state, authorization(ex))) {
      return answer(ex, cors, message_response(401, "Insufficient credentials"));
    }
    auto plan = std::make_shared<AuthPlan>(plan_for(state, rest, ex->request()));
    if (plan->status == 405) return answer(ex, cors, not_allowed_response(rest));
    run_writes(backend, cors, ex, plan, 0, now_ns);
  });
}

}  // namespace etcd::api
