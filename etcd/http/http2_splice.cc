#include "etcd/http/http2_splice.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace etcd::http {

namespace asio = boost::asio;

Result<void> Http2Splice::start(TlsSocket tls, std::string already_read,
                                const std::function<void(int fd)>& adopt) {
  // Non-blocking: gRPC's endpoint expects it (on a blocking one its reader thread sits in
  // recvmsg and the connection's writes wait behind it).
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) != 0) {
    return Error{std::string("socketpair: ") + std::strerror(errno)};
  }
  LocalSocket local(tls.get_executor());
  boost::system::error_code ec;
  local.assign(asio::local::stream_protocol(), fds[1], ec);
  if (ec) {
    ::close(fds[0]);
    ::close(fds[1]);
    return Error{"adopting a socket pair: " + ec.message()};
  }
  adopt(fds[0]);
  auto splice = std::make_shared<Http2Splice>(std::move(tls), std::move(local));
  splice->preface_ = std::move(already_read);
  asio::async_write(splice->local_, asio::buffer(splice->preface_),
                    [splice](boost::system::error_code write_ec, size_t) {
                      if (write_ec) return splice->close();
                      splice->read_tls();
                    });
  splice->read_local();
  return Ok{};
}

Http2Splice::Http2Splice(TlsSocket tls, LocalSocket local)
    : tls_(std::move(tls)), local_(std::move(local)) {}

void Http2Splice::read_tls() {
  tls_.async_read_some(asio::buffer(down_),
                       [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                         if (ec) return self->close();  // EOF, truncation, reset
                         self->write_down(n);
                       });
}

void Http2Splice::write_down(size_t n) {
  asio::async_write(local_, asio::buffer(down_.data(), n),
                    [self = shared_from_this()](boost::system::error_code ec, size_t) {
                      if (ec) return self->close();
                      self->read_tls();
                    });
}

// A TLS stream allows one read and one write at a time, so both directions can run at once.
void Http2Splice::read_local() {
  local_.async_read_some(
      asio::buffer(up_), [self = shared_from_this()](boost::system::error_code ec, size_t n) {
        if (ec) return self->close();  // gRPC closed the connection
        asio::async_write(self->tls_, asio::buffer(self->up_.data(), n),
                          [self](boost::system::error_code write_ec, size_t) {
                            if (write_ec) return self->close();
                            self->read_local();
                          });
      });
}

// Either side gone: close both, which ends the other direction's pending operation.
void Http2Splice::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  local_.close(ignored);
  tls_.next_layer().close(ignored);
}

}  // namespace etcd::http
