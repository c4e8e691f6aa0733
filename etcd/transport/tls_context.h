// TLS contexts for the peer port, built once from the --peer-* files: the server context
// for https listeners and the client context for dialing https peers. The server context
// also serves etcd2's https client listeners (--cert-file ...), with label "client TLS". Loading
// errors are returned with the file name and OpenSSL's reason. The contexts are immutable after
// construction and shared by all connections (OpenSSL contexts are thread-safe to use).
#pragma once

#include <memory>
#include <string_view>

#include "etcd/common/result.h"
#include "etcd/transport/options.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace etcd::transport {

// TLS 1.2+ with the certificate chain and key; when client_cert_auth, peers must present a
// certificate signed by trusted_ca_file. Precondition: files.has_certificate(). Loading
// errors start with `label` ("peer TLS: cannot load certificate ...").
Result<std::shared_ptr<boost::asio::ssl::context>> make_server_tls(
    const TlsFiles& files, std::string_view label = "peer TLS");

// TLS 1.2+ verifying the server against trusted_ca_file (system CAs when empty), and
// presenting our certificate when one is configured. Host names are checked per
// connection (dial.cc).
Result<std::shared_ptr<boost::asio::ssl::context>> make_client_tls(const TlsFiles& files);

}  // namespace etcd::transport
