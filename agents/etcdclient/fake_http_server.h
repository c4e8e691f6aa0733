// FakeHttpServer (tests only): a loopback HTTP/1.1 server on a free port whose answers a
// test scripts per request — reply, close the connection without answering, or hang —
// to drive the Client's failover, timeouts and watch recovery without a real etcd.
// One thread per connection; keep-alive; everything stops in the destructor.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace etcd::client::testing {

struct SeenRequest {
  std::string method;
  std::string target;  // path + query
  std::string body;
};

struct FakeReply {
  enum class Mode { reply, close, hang };
  Mode mode = Mode::reply;
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeReply(const SeenRequest&)>;

  explicit FakeHttpServer(Handler handler) : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(fd_, 16);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~FakeHttpServer() {
    stop_ = true;
    acceptor_.join();
    ::close(fd_);
    std::lock_guard lock(mu_);
    for (auto& t : connections_) t.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::vector<SeenRequest> requests() {
    std::lock_guard lock(mu_);
    return seen_;
  }

  // A loopback port with nothing listening (connections are refused).
  static std::string refused_url() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  }

 private:
  bool wait_readable(int fd) {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }

  void accept_loop() {
    while (wait_readable(fd_)) {
      int conn = ::accept(fd_, nullptr, nullptr);
      if (conn < 0) continue;
      std::lock_guard lock(mu_);
      connections_.emplace_back([this, conn] { serve(conn); });
    }
  }

  // Reads one request; false when the client closed the connection.
  bool read_request(int conn, std::string& buffer, SeenRequest& out) {
    size_t end;
    while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!read_more(conn, buffer)) return false;
    }
    const std::string head = buffer.substr(0, end);
    size_t length = 0;
    if (auto at = head.find("Content-Length: "); at != std::string::npos) {
      length = std::stoul(head.substr(at + 16));
    }
    while (buffer.size() < end + 4 + length) {
      if (!read_more(conn, buffer)) return false;
    }
    const auto sp1 = head.find(' ');
    const auto sp2 = head.find(' ', sp1 + 1);
    out = {head.substr(0, sp1), head.substr(sp1 + 1, sp2 - sp1 - 1), buffer.substr(end + 4, length)};
    buffer.erase(0, end + 4 + length);
    return true;
  }

  bool read_more(int conn, std::string& buffer) {
    if (!wait_readable(conn)) return false;
    char chunk[4096];
    const ssize_t n = ::read(conn, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
    return true;
  }

  void serve(int conn) {
    std::string buffer;
    SeenRequest request;
    while (read_request(conn, buffer, request)) {
      {
        std::lock_guard lock(mu_);
        seen_.push_back(request);
      }
      const FakeReply reply = handler_(request);
      if (reply.mode == FakeReply::Mode::close) break;
      if (reply.mode == FakeReply::Mode::hang) {
        while (wait_readable(conn) && read_more(conn, buffer)) {
        }
        break;
      }
      std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " X\r\n";
      for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
      out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n" + reply.body;
      if (::write(conn, out.data(), out.size()) < 0) break;
    }
    ::close(conn);
  }

  Handler handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> connections_;
  std::vector<SeenRequest> seen_;
};

}  // namespace etcd::client::testing
