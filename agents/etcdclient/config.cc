#include "agents/etcdclient/config.h"

#include "agents/etcdclient/url.h"

namespace etcd::client {

Result<void> Config::validate() const {
  if (endpoints.empty()) return invalid_argument("client: no endpoints available");
  for (const auto& url : endpoints) {
    auto parsed = parse_endpoint(url);
    if (!parsed) return parsed.error();
  }
  if (cert_file.empty() != key_file.empty()) {
    return invalid_argument("TLS: a client certificate needs both a cert file and a key file");
  }
  return Ok{};
}

}  // namespace etcd::client
