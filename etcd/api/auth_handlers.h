// /v2/auth/* (enable, users, roles) and the auth checks the keys and members handlers make,
// on top of the Backend's applied auth state (docs/auth.md).
#pragma once

#include <functional>
#include <string_view>

#include "etcd/api/backend.h"
#include "etcd/api/response.h"
#include "etcd/common/clock.h"
#include "etcd/http/exchange.h"

namespace etcd::api {

// `rest`: the path after "/v2/auth".
void handle_auth(Backend& backend, const Cors& cors, const Clock& clock, std::string_view rest,
                 std::shared_ptr<http::Exchange> ex);

// Runs `allowed` when the request's credentials have root access (or auth is off);
// otherwise answers 401 {"message":"Insufficient credentials"} as etcd does.
void with_root_access(Backend& backend, const Cors& cors, std::shared_ptr<http::Exchange> ex,
                      std::function<void()> allowed);

}  // namespace etcd::api
