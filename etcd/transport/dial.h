// Internal: dialing one peer URL — resolve, TCP connect, and for https the TLS handshake
// with certificate and host-name verification — each bounded by a deadline. Used by the
// outbound streams and the snapshot sender; runs on the caller's strand.
#pragma once

#include <chrono>

#include "etcd/transport/beast.h"
#include "etcd/transport/peer_url.h"

namespace etcd::transport {

// Connects `stream` (which must be closed) to the first reachable address of url.
// Returns the error of the last attempt, or timed_out after `timeout`. Leaves the
// stream's deadline set; callers reset it before long-lived use.
awaitable<error_code> connect_tcp(PlainStream& stream, const PeerUrl& url,
                                  std::chrono::milliseconds timeout);

// Client TLS handshake over a connected stream: SNI for host names, and the server's
// certificate must chain to our trusted CA and match url.host (name or IP).
awaitable<error_code> handshake_tls_client(TlsStream& stream, const PeerUrl& url,
                                           std::chrono::milliseconds timeout);

// A short, operator-readable description of a dial error ("connection refused",
// "TLS: certificate verify failed", ...).
std::string describe(const error_code& ec);

}  // namespace etcd::transport
