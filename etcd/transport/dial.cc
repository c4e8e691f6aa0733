#include "etcd/transport/dial.h"

#include <openssl/ssl.h>

namespace etcd::transport {

awaitable<error_code> connect_tcp(PlainStream& stream, const PeerUrl& url,
                                  std::chrono::milliseconds timeout) {
  error_code ec;
  tcp::resolver resolver(stream.get_executor());
  const auto endpoints =
      co_await resolver.async_resolve(url.host, std::to_string(url.port), with_ec(ec));
  if (ec) co_return ec;
  stream.expires_after(timeout);
  co_await stream.async_connect(endpoints, with_ec(ec));
  if (!ec) stream.socket().set_option(tcp::no_delay(true), ec);
  co_return ec;
}

awaitable<error_code> handshake_tls_client(TlsStream& stream, const PeerUrl& url,
                                           std::chrono::milliseconds timeout) {
  error_code ec;
  asio::ip::make_address(url.host, ec);
  const bool is_ip = !ec;
  ec.clear();
  if (!is_ip && !SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str())) {
    co_return error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
  }
  stream.set_verify_callback(ssl::host_name_verification(url.host));
  beast::get_lowest_layer(stream).expires_after(timeout);
  co_await stream.async_handshake(ssl::stream_base::client, with_ec(ec));
  co_return ec;
}

std::string describe(const error_code& ec) {
  if (ec.category() == asio::error::get_ssl_category() ||
      ec.category() == asio::ssl::error::get_stream_category()) {
    return "TLS: " + ec.message();
  }
  if (ec == beast::error::timeout) return "timed out";
  return ec.message();
}

}  // namespace etcd::transport
