// The client API of an etcd2 member (port 2379/4001): /v2/keys, /v2/members,
// /v2/machines, /v2/stats/*, /version, /health, /metrics, with etcd's status codes,
// headers, CORS and error bodies (shared/reference/etcd-v2-wire.md).
#pragma once

#include <string>
#include <vector>

#include "etcd/api/backend.h"
#include "etcd/http/exchange.h"

namespace etcd::api {

// `cors`: allowed origins (--cors); empty or "*" allows every origin, as etcd answers.
// The backend must outlive the handler.
http::Handler make_router(Backend& backend, std::vector<std::string> cors);

}  // namespace etcd::api
