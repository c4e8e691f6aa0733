// http_call: one blocking HTTP/1.1 request with a deadline, for the control path of the
// benchmark (health polls, leader lookup, preparing keys, restart probes) rather than
// for load. Each call uses its own connection and io_context.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "bench/common/client_connection.h"

namespace bench {

// The response, or nullopt when the connection failed or the deadline passed.
std::optional<HttpResponse> http_call(const boost::asio::ip::tcp::endpoint& endpoint,
                                      std::string_view method, std::string_view target,
                                      std::string_view form = {},
                                      std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace bench
