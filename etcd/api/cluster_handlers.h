// Everything on the client port besides /v2/keys: /v2/members, /v2/machines,
// /v2/stats/{self,store,leader}, /version, /health and /metrics.
#pragma once

#include <memory>

#include "etcd/api/backend.h"
#include "etcd/api/response.h"
#include "etcd/common/clock.h"
#include "etcd/http/exchange.h"

namespace etcd::api {

using ExchangePtr = std::shared_ptr<http::Exchange>;

// `rest` is the path after "/v2/members" ("", "/leader", "/<id>").
void handle_members(Backend& backend, const Cors& cors, std::string_view rest, ExchangePtr ex);
void handle_machines(Backend& backend, const Cors& cors, ExchangePtr ex);
// `which` is "self", "store" or "leader".
void handle_stats(Backend& backend, const Cors& cors, const Clock& clock, std::string_view which,
                  ExchangePtr ex);
void handle_version(const Cors& cors, ExchangePtr ex);
void handle_health(Backend& backend, const Cors& cors, ExchangePtr ex);
void handle_metrics(Backend& backend, const Cors& cors, ExchangePtr ex);

// Go's time formats: RFC 3339 with nanoseconds (UTC) and a Duration string ("1m2.5s").
std::string go_time(int64_t unix_ns);
std::string go_duration(int64_t ns);

}  // namespace etcd::api
