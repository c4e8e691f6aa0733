// /v2/keys: reads, writes through raft, and watches (long-poll and stream), answered as
// etcd's v2 keys handler answers them.
#pragma once

#include <memory>

#include "etcd/api/backend.h"
#include "etcd/api/response.h"
#include "etcd/common/clock.h"
#include "etcd/http/exchange.h"

namespace etcd::api {

void handle_keys(Backend& backend, const Cors& cors, const Clock& clock,
                 std::shared_ptr<http::Exchange> exchange);

}  // namespace etcd::api
