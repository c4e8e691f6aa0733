#include "etcd/api/router.h"

#include "etcd/api/auth_handlers.h"
#include "etcd/api/cluster_handlers.h"
#include "etcd/api/form.h"
#include "etcd/api/keys_handler.h"
#include "etcd/api/keys_request.h"
#include "etcd/api/response.h"
#include "etcd/store/path.h"

namespace etcd::api {
namespace {

struct Router {
  Backend& backend;
  Cors cors;
  SystemClock clock;

  void answer(const ExchangePtr& ex, http::Response r) const {
    cors.apply(ex->request(), r);
    ex->respond(std::move(r));
  }

  void not_allowed(const ExchangePtr& ex, const char* allow) const {
    http::Response r = text_response(405, "Method Not Allowed\n");
    r.set("X-Content-Type-Options", "nosniff");
    r.set("Allow", allow);
    answer(ex, std::move(r));
  }

  void not_found(const ExchangePtr& ex) const {
    http::Response r = text_response(404, "404 page not found\n");
    r.set("X-Content-Type-Options", "nosniff");
    answer(ex, std::move(r));
  }

  // Go's ServeMux answers a path with "//", "." or ".." by redirecting to its clean form.
  // We redirect "//" as it does, but refuse "." and ".." segments (400): a client that sends
  // them has a bug, and following the redirect would act on another key than it named.
  // A path that does not decode to UTF-8 is refused too (handlers quote names from it).
  bool redirect_unclean(const ExchangePtr& ex, std::string_view path) const {
    auto decoded = percent_decode(path, false);
    const bool keys_path = path.starts_with("/v2/keys/");
    if (!decoded || !valid_utf8(*decoded)) {
      if (keys_path) return false;  // the keys parser reports it (210)
      answer(ex, message_response(400, decoded ? std::string("invalid UTF-8 in the path")
                                                : decoded.error().message));
      return true;
    }
    if (has_dot_segment(*decoded)) {
      if (keys_path) return false;  // parse_keys_request: 209
      answer(ex, message_response(400, "\".\" and \"..\" are not allowed as path segments"));
      return true;
    }
    std::string clean = store::clean_path(*decoded);
    if (decoded->size() > 1 && decoded->back() == '/' && clean != "/") clean += '/';
    if (clean == *decoded) return false;
    http::Response r{.status = 301};
    const std::string_view query = ex->request().query();
    r.set("Location", query.empty() ? clean : clean + "?" + std::string(query));
    answer(ex, std::move(r));
    return true;
  }

  void keys(const ExchangePtr& ex) const {
    const std::string& m = ex->request().method;
    if (m != "GET" && m != "HEAD" && m != "PUT" && m != "POST" && m != "DELETE") {
      return not_allowed(ex, "HEAD,GET,PUT,POST,DELETE");
    }
    handle_keys(backend, cors, clock, ex);
  }

  void get_only(const ExchangePtr& ex, const char* allow, auto&& handler) const {
    const std::string& m = ex->request().method;
    if (m != "GET" && !(m == "HEAD" && std::string_view(allow) == "GET,HEAD")) {
      return not_allowed(ex, allow);
    }
    handler();
  }

  void route(const ExchangePtr& ex) const {
    const std::string_view path = ex->request().path();
    if (ex->request().method == "OPTIONS") return answer(ex, http::Response{.status = 200});
    if (!path.starts_with('/')) {
      // "*", "v2/keys", or an absolute URL ("http://host/v2/keys"), which clients do not
      // send to an origin server: refused rather than redirected to a made-up path.
      return answer(ex, message_response(400, "the request target must be a path"));
    }
    if (redirect_unclean(ex, path)) return;
    if (path == kKeysPrefix || path.starts_with("/v2/keys/")) return keys(ex);
    if (path == "/v2/members" || path.starts_with("/v2/members/")) {
      // etcd: reading membership is open; changing it needs root once auth is on.
      if (ex->request().method == "GET") return handle_members(backend, cors, path.substr(11), ex);
      return with_root_access(backend, cors, ex, [this, ex, rest = std::string(path.substr(11))] {
        handle_members(backend, cors, rest, ex);
      });
    }
    if (path.starts_with("/v2/auth/")) return handle_auth(backend, cors, clock, path.substr(8), ex);
    if (path == "/v2/machines") {
      return get_only(ex, "GET,HEAD", [&] { handle_machines(backend, cors, ex); });
    }
    if (path == "/v2/stats/self" || path == "/v2/stats/store" || path == "/v2/stats/leader") {
      return get_only(ex, "GET", [&] { handle_stats(backend, cors, clock, path.substr(10), ex); });
    }
    if (path == "/version") return get_only(ex, "GET", [&] { handle_version(cors, ex); });
    if (path == "/health") return get_only(ex, "GET", [&] { handle_health(backend, cors, ex); });
    if (path == "/metrics") return get_only(ex, "GET", [&] { handle_metrics(backend, cors, ex); });
    not_found(ex);
  }
};

}  // namespace

http::Handler make_router(Backend& backend, std::vector<std::string> cors) {
  auto router = std::make_shared<Router>(Router{backend, Cors{std::move(cors)}, {}});
  return [router](std::shared_ptr<http::Exchange> ex) { router->route(ex); };
}

}  // namespace etcd::api
