// The etcd2 command line: the etcd 2.3 flag set, each flag also read from its ETCD_*
// environment variable (flags win), parsed and validated into one Config.
//
// Owns: flag names, defaults, env mapping, value checks and their messages.
// Never: opens files, binds sockets or reads the process environment directly (the env
// lookup is passed in, so tests control it).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "etcd/common/url.h"

namespace etcd::cmd {

enum class ClusterState { fresh, existing };  // --initial-cluster-state new|existing
enum class ProxyMode { off, on, readonly };
enum class DiscoveryFallback { exit, proxy };

struct TlsFiles {
  std::string cert_file;
  std::string key_file;
  std::string trusted_ca_file;
  bool client_cert_auth = false;

  bool enabled() const { return !cert_file.empty() || !key_file.empty(); }
};

struct Config {
  // Member
  std::string name = "default";
  std::string data_dir;  // defaults to "<name>.etcd"
  std::string wal_dir;   // empty: <data-dir>/member/wal
  uint64_t snapshot_count = 10000;
  uint64_t heartbeat_interval_ms = 100;
  uint64_t election_timeout_ms = 1000;
  std::vector<Url> listen_peer_urls;
  std::vector<Url> listen_client_urls;
  uint32_t max_snapshots = 5;     // 0 = unlimited
  uint32_t max_wals = 5;          // 0 = unlimited
  std::vector<std::string> cors;  // allowed origins; "*" allows all

  // Clustering
  std::vector<Url> initial_advertise_peer_urls;
  std::vector<ClusterEntry> initial_cluster;
  bool initial_cluster_given = false;  // set explicitly, by flag or env
  ClusterState initial_cluster_state = ClusterState::fresh;
  std::string initial_cluster_token = "etcd-cluster";
  std::vector<Url> advertise_client_urls;
  std::string discovery;
  std::string discovery_srv;
  DiscoveryFallback discovery_fallback = DiscoveryFallback::proxy;
  std::string discovery_proxy;
  bool strict_reconfig_check = true;

  // The v3 API
  uint64_t max_txn_ops = 128;
  uint64_t max_request_bytes = 1536 * 1024;
  int64_t auto_compaction_retention_ns = 0;  // periodic mode; 0: off
  int64_t auto_compaction_revisions = 0;     // revision mode; 0: off
  int64_t quota_backend_bytes = 2LL << 30;   // negative: no quota

  // Proxy
  ProxyMode proxy = ProxyMode::off;
  uint64_t proxy_failure_wait_ms = 5000;
  uint64_t proxy_refresh_interval_ms = 30000;
  uint64_t proxy_dial_timeout_ms = 1000;
  uint64_t proxy_write_timeout_ms = 5000;
  uint64_t proxy_read_timeout_ms = 0;

  // Security
  TlsFiles client_tls;
  TlsFiles peer_tls;

  // Logging and unsafe
  bool debug = false;
  std::string log_package_levels;
  bool force_new_cluster = false;
};

// Looks up one environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// What main() should do after parsing.
struct ParseOutcome {
  enum class Action { run, exit } action = Action::run;
  int exit_code = 0;                  // for Action::exit: 0 (help, version) or 2 (bad usage)
  std::string output;                 // for stdout (help text, version)
  std::string error;                  // for stderr, when exit_code != 0
  std::vector<std::string> warnings;  // e.g. unrecognised ETCD_* variables
  Config config;
};

// args excludes argv[0]. Go-style single-dash long flags ("-name x") are accepted too, as
// the original etcd accepts them. `env_names` lists the names of all set environment
// variables, used only to warn about unknown ETCD_* ones.
ParseOutcome parse_config(const std::vector<std::string>& args, const EnvLookup& env,
                          const std::vector<std::string>& env_names = {});

// The version banner printed by --version.
std::string version_text();

}  // namespace etcd::cmd
