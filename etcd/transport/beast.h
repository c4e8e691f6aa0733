// Internal: the Beast, SSL and coroutine headers the transport's .cc files use, and the
// two byte-stream types every connection is one of. Included only by .cc files of this
// module (public headers stay free of Beast so the server compiles quickly).
#pragma once

#include "etcd/common/asio.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <exception>
#include <string_view>

#include <spdlog/spdlog.h>

namespace etcd::transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using boost::asio::awaitable;
using boost::system::error_code;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using Strand = asio::strand<asio::io_context::executor_type>;

// Beast 1.74 speaks boost::string_view; these convert at the boundary.
inline beast::string_view to_beast(std::string_view s) {
  return {s.data(), s.size()};
}
inline std::string_view to_std(beast::string_view s) {
  return {s.data(), s.size()};
}

// Completion token that stores the error in `ec` instead of throwing.
inline auto with_ec(error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

// Starts coroutine `task` on `executor`, detached. The transport's coroutines report
// failures through error codes; an exception escaping one is a bug, logged here.
template <typename Executor>
void spawn(const Executor& executor, awaitable<void> task, const char* what) {
  asio::co_spawn(executor, std::move(task), [what](std::exception_ptr failure) {
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      spdlog::error("transport: {} ended with an exception: {}", what, e.what());
    }
  });
}

}  // namespace etcd::transport
