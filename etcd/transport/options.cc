#include "etcd/transport/options.h"

#include "etcd/transport/peer_url.h"

namespace etcd::transport {

Result<void> Options::validate() const {
  if (local_id == kNoNode) return Error{"transport: local member id must not be 0"};
  auto urls = parse_peer_urls(listen_urls);
  if (!urls) return Error{"transport: " + urls.error().message};
  for (const auto& url : *urls) {
    if (url.tls && !tls.has_certificate()) {
      return Error{"transport: listen URL " + url.raw +
                   " is https but --peer-cert-file/--peer-key-file are not set"};
    }
  }
  if (tls.client_cert_auth && tls.trusted_ca_file.empty()) {
    return Error{"transport: --peer-client-cert-auth needs --peer-trusted-ca-file"};
  }
  if (queue_messages_max == 0 || batch_bytes_max == 0 || stream_message_bytes_max == 0) {
    return Error{"transport: queue and message bounds must be positive"};
  }
  if (backoff_initial.count() <= 0 || backoff_initial > backoff_max) {
    return Error{"transport: want 0 < backoff_initial <= backoff_max"};
  }
  if (dial_timeout.count() <= 0 || idle_timeout.count() <= 0 || io_timeout.count() <= 0) {
    return Error{"transport: timeouts must be positive"};
  }
  return Ok{};
}

}  // namespace etcd::transport
