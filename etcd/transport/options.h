// Options of a PeerTransport: who we are, where we listen, TLS files, and the bounds and
// timings of queues and connections. Built by cmd/ from flags (--listen-peer-urls,
// --peer-cert-file, ...) and the server's membership; passed by value to PeerTransport.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "etcd/common/ids.h"
#include "etcd/common/result.h"

namespace etcd::transport {

// The peer TLS flags (etcd: --peer-cert-file, --peer-key-file, --peer-trusted-ca-file,
// --peer-client-cert-auth). The certificate is served by https listeners and presented as
// the client certificate when dialing https peers.
struct TlsFiles {
  std::string cert_file;
  std::string key_file;
  std::string trusted_ca_file;    // verifies peers' certificates; empty: system CAs
  bool client_cert_auth = false;  // listeners require a client cert from trusted_ca_file

  bool has_certificate() const { return !cert_file.empty() && !key_file.empty(); }
};

struct Options {
  NodeId local_id;          // this member; must not be 0
  uint64_t cluster_id = 0;  // every raft request must carry it (X-Etcd-Cluster-ID)
  // --listen-peer-urls: http(s)://ip:port; port 0 binds a free port (tests).
  std::vector<std::string> listen_urls;
  TlsFiles tls;
  // Admit raft traffic from any sender of our cluster, not only add_peer'd ones. Off in
  // production; for tools and tests that do not know the members up front.
  bool allow_unknown_senders = false;

  // Messages waiting per peer (etcd's streamBufSize); beyond it they are dropped.
  size_t queue_messages_max = 4096;
  // One stream write carries at most this many bytes (at least one message).
  size_t batch_bytes_max = 4 << 20;
  // Largest stream message accepted from a peer.
  size_t stream_message_bytes_max = 64 << 20;
  // Largest snapshot data accepted from a peer.
  uint64_t snapshot_bytes_max = uint64_t{8} << 30;
  // Non-raft request body limit.
  size_t http_body_bytes_max = 1 << 20;

  // TCP connect + TLS handshake + HTTP/WebSocket handshake, per URL tried.
  std::chrono::milliseconds dial_timeout{2000};
  // A stream that hears nothing (not even a pong to its ping) for this long is closed.
  std::chrono::milliseconds idle_timeout{10000};
  // One write or read of a snapshot chunk or an HTTP request/response.
  std::chrono::milliseconds io_timeout{10000};
  // Reconnect delays: exponential from initial to max, with jitter.
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};

  // Checks ids, URLs, bounds and that https listeners have a certificate.
  Result<void> validate() const;
};

}  // namespace etcd::transport
