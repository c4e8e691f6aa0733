// ClientConnection: one keep-alive HTTP/1.1 connection of the load generator. One request
// at a time (no pipelining): the caller hands in the complete request bytes and gets the
// whole response back; a long-poll watch also reports when its response headers arrive
// (etcd and etcd2 both flush them once the watcher is registered).
//
// Thread: the io_context that runs it (one thread); callbacks run there. The owner keeps
// the connection alive until its last callback has run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "etcd/common/asio.h"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace bench {

struct HttpResponse {
  unsigned status = 0;
  std::string body;
  uint64_t etcd_index = 0;  // X-Etcd-Index, 0 when absent
  uint64_t raft_index = 0;  // X-Raft-Index, 0 when absent
};

// An HTTP/1.1 request for `target` (a PUT with a form body when `form` is not empty).
std::string http_request(std::string_view method, std::string_view host, std::string_view target,
                         std::string_view form = {});

class ClientConnection {
 public:
  using ErrorCode = boost::system::error_code;
  using Done = std::function<void(ErrorCode, const HttpResponse&)>;
  using HeadersDone = std::function<void(ErrorCode)>;

  ClientConnection(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint endpoint);

  // Connects (blocking: done once, before the timed part of a run).
  ErrorCode connect();
  // Writes `request` (complete HTTP/1.1 bytes, keep-alive) and reads the whole response.
  void exchange(std::string request, Done done);
  // As exchange, and `headers` runs once the response headers are in, before the body.
  void exchange_streamed(std::string request, HeadersDone headers, Done done);
  void close();

 private:
  using Parser = boost::beast::http::response_parser<boost::beast::http::string_body>;
  void write_then(std::function<void()> next, std::shared_ptr<Done> done);
  void read_body(Done done);
  void finish(ErrorCode ec, const Done& done);

  boost::asio::ip::tcp::socket socket_;
  boost::asio::ip::tcp::endpoint endpoint_;
  boost::beast::flat_buffer buffer_;
  std::string request_;
  std::optional<Parser> parser_;
  HttpResponse response_;
};

}  // namespace bench
