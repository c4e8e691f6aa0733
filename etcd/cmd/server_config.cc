#include "etcd/cmd/server_config.h"

namespace etcd::cmd {
namespace {

std::vector<std::string> raw_urls(const std::vector<Url>& urls) {
  std::vector<std::string> out;
  for (const auto& u : urls)
    out.push_back(u.raw);
  return out;
}

}  // namespace

server::ServerConfig to_server_config(const Config& c) {
  server::ServerConfig s;
  s.bootstrap.name = c.name;
  s.bootstrap.data_dir = c.data_dir;
  s.bootstrap.wal_dir = c.wal_dir;
  s.bootstrap.advertise_peer_urls = raw_urls(c.initial_advertise_peer_urls);
  for (const auto& entry : c.initial_cluster) {
    s.bootstrap.initial_cluster.emplace_back(entry.name, entry.url.raw);
  }
  s.bootstrap.join_existing = c.initial_cluster_state == ClusterState::existing;
  s.bootstrap.cluster_token = c.initial_cluster_token;
  s.bootstrap.force_new_cluster = c.force_new_cluster;
  s.discovery_url = c.discovery;
  s.discovery_srv = c.discovery_srv;
  s.core.name = c.name;
  s.core.client_urls = raw_urls(c.advertise_client_urls);
  s.core.snapshot_count = c.snapshot_count;
  s.core.max_snapshots = c.max_snapshots;
  s.core.max_wals = c.max_wals;
  s.core.strict_reconfig_check = c.strict_reconfig_check;
  s.core.max_txn_ops = static_cast<int>(c.max_txn_ops);
  s.core.max_request_bytes = c.max_request_bytes;
  s.http_limits.body_bytes_max = c.max_request_bytes;
  s.auto_compaction_retention_ns = c.auto_compaction_retention_ns;
  s.auto_compaction_revisions = c.auto_compaction_revisions;
  s.quota_backend_bytes = c.quota_backend_bytes;
  s.listen_client_urls = raw_urls(c.listen_client_urls);
  s.listen_peer_urls = raw_urls(c.listen_peer_urls);
  s.cors = c.cors;
  s.heartbeat_ms = static_cast<int64_t>(c.heartbeat_interval_ms);
  s.election_ms = static_cast<int64_t>(c.election_timeout_ms);
  s.peer_tls.cert_file = c.peer_tls.cert_file;
  s.peer_tls.key_file = c.peer_tls.key_file;
  s.peer_tls.trusted_ca_file = c.peer_tls.trusted_ca_file;
  s.peer_tls.client_cert_auth = c.peer_tls.client_cert_auth;
  s.client_tls.cert_file = c.client_tls.cert_file;
  s.client_tls.key_file = c.client_tls.key_file;
  s.client_tls.trusted_ca_file = c.client_tls.trusted_ca_file;
  s.client_tls.client_cert_auth = c.client_tls.client_cert_auth;
  return s;
}

}  // namespace etcd::cmd
