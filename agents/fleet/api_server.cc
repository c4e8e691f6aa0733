#include "agents/fleet/api_server.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <utility>  // Boost 1.74's Asio needs std::exchange before it is included

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include <spdlog/spdlog.h>

namespace corestack::fleet {
namespace {

namespace http = boost::beast::http;
using Socket = boost::asio::generic::stream_protocol::socket;

constexpr int kIoTimeoutSeconds = 30;
constexpr size_t kBodyLimit = 4 * 1024 * 1024;

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    const auto amp = q.find('&');
    const auto pair = q.substr(0, amp);
    const auto eq = pair.find('=');
    try {
      out[percent_decode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
    } catch (const std::exception&) {
      // A malformed escape: the parameter is dropped; the handler sees it missing.
    }
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
  }
  return out;
}

ApiRequest to_request(const http::request<http::string_body>& r) {
  ApiRequest req;
  req.method = std::string(r.method_string());
  const std::string_view target(r.target().data(), r.target().size());
  const auto question = target.find('?');
  req.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) req.query = parse_query(target.substr(question + 1));
  for (const auto& field : r) {
    if (field.name() == http::field::content_type) {
      req.content_types.emplace_back(field.value().data(), field.value().size());
    }
  }
  req.body = r.body();
  return req;
}

void set_timeouts(int fd) {
  timeval tv{kIoTimeoutSeconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int bind_unix(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path))
    throw std::runtime_error("socket path too long: " + path);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ::unlink(path.c_str());
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot listen on unix://" + path + ": " + why);
  }
  return fd;
}

int bind_tcp(const std::string& host_port) {
  const auto colon = host_port.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  if (colon == std::string::npos ||
      ::inet_pton(AF_INET, host_port.substr(0, colon).c_str(), &addr.sin_addr) != 1) {
    throw std::runtime_error("cannot listen on tcp://" + host_port + ": want IPv4:port");
  }
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(host_port.substr(colon + 1))));
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot listen on tcp://" + host_port + ": " + why);
  }
  return fd;
}

}  // namespace

ApiServer::ApiServer(ApiHandler handler, std::string server_header)
    : handler_(std::move(handler)), server_header_(std::move(server_header)) {}

ApiServer::~ApiServer() {
  stop();
}

int ApiServer::listen_on(const std::string& address) {
  int fd = -1;
  if (address.rfind("unix://", 0) == 0) {
    fd = bind_unix(address.substr(7));
  } else if (address.rfind("tcp://", 0) == 0) {
    fd = bind_tcp(address.substr(6));
  } else {
    throw std::runtime_error("cannot listen on " + address + ": want unix:// or tcp://");
  }
  if (::listen(fd, 64) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot listen on " + address + ": " + std::strerror(errno));
  }
  return fd;
}

std::vector<int> ApiServer::systemd_sockets() {
  std::vector<int> fds;
  const int n = sd_listen_fds(1);
  for (int i = 0; i < n; ++i)
    fds.push_back(SD_LISTEN_FDS_START + i);
  return fds;
}

void ApiServer::serve(int fd) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(fd);
  threads_.emplace_back([this, fd] { accept_loop(fd); });
}

void ApiServer::accept_loop(int fd) {
  while (!stopping_) {
    int conn = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (!stopping_) spdlog::error("API: accept failed: {}", std::strerror(errno));
      return;
    }
    set_timeouts(conn);
    std::lock_guard lock(mutex_);
    if (stopping_) {
      ::close(conn);
      return;
    }
    connections_.push_back(conn);
    // Detached: a long-lived daemon must not keep a handle per finished connection;
    // stop() waits for connections_ to drain instead of joining.
    std::thread([this, conn] { serve_connection(conn); }).detach();
  }
}

void ApiServer::serve_connection(int fd) {
  boost::asio::io_context io;
  Socket socket(io);
  boost::system::error_code ec;
  // The fd stays owned by connections_ (closed in stop() or below); the socket only borrows.
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
  socket.assign(boost::asio::generic::stream_protocol(local.ss_family, SOCK_STREAM), ::dup(fd), ec);
  boost::beast::flat_buffer buffer;
  while (!ec && !stopping_) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    http::read(socket, buffer, parser, ec);
    if (ec) break;
    const auto& req = parser.get();
    ApiResponse out = handler_(to_request(req));
    http::response<http::string_body> res{static_cast<http::status>(out.status), req.version()};
    res.set(http::field::server, server_header_);
    if (!out.body.empty()) res.set(http::field::content_type, out.content_type);
    res.body() = std::move(out.body);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    http::write(socket, res, ec);
    if (!res.keep_alive()) break;
  }
  socket.close(ec);
  std::lock_guard lock(mutex_);
  std::erase(connections_, fd);
  ::close(fd);
  drained_.notify_all();
}

void ApiServer::stop() {
  std::vector<std::thread> accept_threads;
  {
    std::unique_lock lock(mutex_);
    if (stopping_.exchange(true)) return;
    for (int fd : listeners_)
      ::shutdown(fd, SHUT_RDWR);
    for (int fd : connections_)
      ::shutdown(fd, SHUT_RDWR);
    accept_threads.swap(threads_);
  }
  for (auto& t : accept_threads)
    t.join();
  std::unique_lock lock(mutex_);
  drained_.wait(lock, [this] { return connections_.empty(); });
  for (int fd : listeners_)
    ::close(fd);
  listeners_.clear();
}

}  // namespace corestack::fleet
