#include "bench/common/http_probe.h"

#include <fmt/format.h>

namespace bench {

std::optional<HttpResponse> http_call(const boost::asio::ip::tcp::endpoint& endpoint,
                                      std::string_view method, std::string_view target,
                                      std::string_view form, std::chrono::milliseconds timeout) {
  boost::asio::io_context io;
  ClientConnection connection(io, endpoint);
  if (connection.connect()) return std::nullopt;
  const std::string host = fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
  std::optional<HttpResponse> result;
  connection.exchange(http_request(method, host, target, form),
                      [&result](boost::system::error_code ec, const HttpResponse& response) {
                        if (!ec) result = response;
                      });
  io.run_for(timeout);
  connection.close();
  return result;
}

}  // namespace bench
