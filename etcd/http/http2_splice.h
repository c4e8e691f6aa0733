// Http2Splice: a TLS connection that turned out to speak HTTP/2 after its handshake (gRPC:
// etcd's v3 API on an https client URL). gRPC adopts connections only as plaintext file
// descriptors, so the splice gives it one end of a socket pair and copies bytes between
// the other end and the TLS stream, both ways, until either side closes. Internal to
// etcd/http.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "etcd/common/asio.h"
#include "etcd/common/result.h"

#include <boost/asio/ssl.hpp>

namespace etcd::http {

// "PRI" starts the HTTP/2 preface and no HTTP/1.1 method (PUT and POST differ at byte 2):
// how a plain port (Server::sniff) and a TLS one (Session) tell the two apart.
inline constexpr std::string_view kHttp2Start = "PRI";

class Http2Splice : public std::enable_shared_from_this<Http2Splice> {
 public:
  using TlsSocket = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
  using LocalSocket = boost::asio::local::stream_protocol::socket;

  // `already_read`: what the session decrypted before it knew (the start of the preface).
  // `adopt` takes the plaintext end's file descriptor. Runs on the TLS socket's executor.
  static Result<void> start(TlsSocket tls, std::string already_read,
                            const std::function<void(int fd)>& adopt);

  Http2Splice(TlsSocket tls, LocalSocket local);

 private:
  void write_down(size_t n);  // down_[0, n) to gRPC, then read_tls()
  void read_tls();
  void read_local();
  void close();

  TlsSocket tls_;
  LocalSocket local_;
  std::string preface_;                 // already_read, written down first
  std::array<char, 16 * 1024> down_{};  // client → gRPC
  std::array<char, 16 * 1024> up_{};    // gRPC → client
  bool closed_ = false;
};

}  // namespace etcd::http
