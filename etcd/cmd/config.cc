#include "etcd/cmd/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>
#include <sstream>

#include <CLI/CLI.hpp>

namespace etcd::cmd {
namespace {

enum class Kind { text, boolean };

struct FlagSpec {
  const char* name;
  const char* default_value;  // for booleans: "false" / "true"
  Kind kind;
  const char* help;
};

// The etcd 2.3 flag set. Defaults are etcd's; --initial-cluster's default is derived from
// --name and --initial-advertise-peer-urls when not given.
constexpr FlagSpec kFlags[] = {
    {"name", "default", Kind::text, "human-readable name for this member"},
    {"data-dir", "", Kind::text, "path to the data directory (default: ${name}.etcd)"},
    {"wal-dir", "", Kind::text, "path to a dedicated WAL directory"},
    {"snapshot-count", "10000", Kind::text, "committed entries between snapshots"},
    {"heartbeat-interval", "100", Kind::text, "time (ms) of a heartbeat interval"},
    {"election-timeout", "1000", Kind::text, "time (ms) for an election to time out"},
    {"listen-peer-urls", "http://localhost:2380,http://localhost:7001", Kind::text,
     "URLs to listen on for peer traffic"},
    {"listen-client-urls", "http://localhost:2379,http://localhost:4001", Kind::text,
     "URLs to listen on for client traffic"},
    {"max-snapshots", "5", Kind::text, "maximum snapshot files to retain (0 is unlimited)"},
    {"max-wals", "5", Kind::text, "maximum WAL files to retain (0 is unlimited)"},
    {"cors", "", Kind::text, "comma-separated whitelist of origins for CORS"},
    {"initial-advertise-peer-urls", "http://localhost:2380,http://localhost:7001", Kind::text,
     "this member's peer URLs to advertise to the rest of the cluster"},
    {"initial-cluster", "", Kind::text, "initial cluster configuration for bootstrapping"},
    {"initial-cluster-state", "new", Kind::text, "initial cluster state ('new' or 'existing')"},
    {"initial-cluster-token", "etcd-cluster", Kind::text,
     "initial cluster token for the etcd cluster during bootstrap"},
    {"advertise-client-urls", "http://localhost:2379,http://localhost:4001", Kind::text,
     "this member's client URLs to advertise to the public"},
    {"discovery", "", Kind::text, "discovery URL used to bootstrap the cluster"},
    {"discovery-srv", "", Kind::text, "DNS domain used to bootstrap the cluster"},
    {"discovery-fallback", "proxy", Kind::text,
     "behaviour when discovery fails: 'exit' or 'proxy'"},
    {"discovery-proxy", "", Kind::text, "HTTP proxy to use for traffic to the discovery service"},
    {"strict-reconfig-check", "true", Kind::boolean,
     "reject reconfiguration requests that would cause quorum loss"},
    {"proxy", "off", Kind::text, "proxy mode: 'off', 'readonly' or 'on'"},
    {"proxy-failure-wait", "5000", Kind::text,
     "time (ms) an endpoint is held in a failed state before reconsidered"},
    {"proxy-refresh-interval", "30000", Kind::text, "time (ms) of the endpoints refresh interval"},
    {"proxy-dial-timeout", "1000", Kind::text, "time (ms) for a dial to time out (0 = none)"},
    {"proxy-write-timeout", "5000", Kind::text, "time (ms) for a write to time out (0 = none)"},
    {"proxy-read-timeout", "0", Kind::text, "time (ms) for a read to time out (0 = none)"},
    {"cert-file", "", Kind::text, "path to the client server TLS cert file"},
    {"key-file", "", Kind::text, "path to the client server TLS key file"},
    {"client-cert-auth", "false", Kind::boolean, "enable client cert authentication"},
    {"trusted-ca-file", "", Kind::text, "path to the client server TLS trusted CA file"},
    {"ca-file", "", Kind::text, "deprecated: same as --trusted-ca-file + --client-cert-auth"},
    {"peer-cert-file", "", Kind::text, "path to the peer server TLS cert file"},
    {"peer-key-file", "", Kind::text, "path to the peer server TLS key file"},
    {"peer-client-cert-auth", "false", Kind::boolean, "enable peer client cert authentication"},
    {"peer-trusted-ca-file", "", Kind::text, "path to the peer server TLS trusted CA file"},
    {"peer-ca-file", "", Kind::text,
     "deprecated: same as --peer-trusted-ca-file + --peer-client-cert-auth"},
    {"debug", "false", Kind::boolean, "enable debug-level logging"},
    {"log-package-levels", "", Kind::text, "per-package log levels (accepted for compatibility)"},
    {"force-new-cluster", "false", Kind::boolean,
     "force to create a new one-member cluster from existing data"},
    // The v3 API's (etcd 3.4's names and defaults).
    {"max-txn-ops", "128", Kind::text, "maximum number of operations permitted in a v3 txn"},
    {"max-request-bytes", "1572864", Kind::text, "maximum client request size in bytes"},
    {"auto-compaction-mode", "periodic", Kind::text,
     "v3 auto compaction: 'periodic' (retention is a duration) or 'revision'"},
    {"auto-compaction-retention", "0", Kind::text,
     "v3 auto compaction: hours (or a duration such as 30m) to keep, or revisions; 0 is off"},
    {"quota-backend-bytes", "0", Kind::text,
     "v3: raise a NOSPACE alarm past this database size (0: 2 GiB; negative: no quota)"},
};

std::string env_name(std::string_view flag) {
  std::string out = "ETCD_";
  for (char c : flag)
    out += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return out;
}

// Raw string values after applying precedence: command line > environment > default.
struct RawValues {
  std::map<std::string, std::string> value;
  std::set<std::string> given;  // set by flag or env

  const std::string& operator[](const std::string& name) const { return value.at(name); }
  bool was_given(const std::string& name) const { return given.count(name) != 0; }
};

struct UsageError {
  std::string message;
};

[[noreturn]] void bad_value(std::string_view flag, std::string_view value, std::string_view why) {
  throw UsageError{"invalid value \"" + std::string(value) + "\" for flag --" + std::string(flag) +
                   ": " + std::string(why)};
}

// Go's strconv.ParseBool, which etcd uses for boolean env values.
bool parse_bool(std::string_view flag, const std::string& v) {
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return true;
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") {
    return false;
  }
  bad_value(flag, v, "parse error");
}

// A Go duration as etcd's flags take it ("90s", "1h30m", "500ms"), or a plain number of
// `unit_ns` (hours for --auto-compaction-retention).
int64_t parse_duration_ns(std::string_view flag, const std::string& v, int64_t unit_ns) {
  if (!v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(c); })) {
    return static_cast<int64_t>(std::stoull(v)) * unit_ns;
  }
  static const std::pair<std::string_view, int64_t> kUnits[] = {
      {"ms", 1'000'000}, {"h", 3'600'000'000'000}, {"m", 60'000'000'000}, {"s", 1'000'000'000}};
  int64_t total = 0;
  size_t at = 0;
  while (at < v.size()) {
    size_t digits = at;
    while (digits < v.size() && std::isdigit(static_cast<unsigned char>(v[digits])))
      ++digits;
    if (digits == at || digits - at > 12) bad_value(flag, v, "not a duration");
    const int64_t number = std::stoll(v.substr(at, digits - at));
    bool matched = false;
    for (const auto& [unit, ns] : kUnits) {
      if (std::string_view(v).substr(digits).starts_with(unit)) {
        total += number * ns;
        at = digits + unit.size();
        matched = true;
        break;
      }
    }
    if (!matched) bad_value(flag, v, "not a duration");
  }
  return total;
}

uint64_t parse_uint(const RawValues& raw, const char* flag) {
  const std::string& v = raw[flag];
  uint64_t out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) {
    bad_value(flag, v, "not a non-negative integer");
  }
  return out;
}

void parse_v3_flags(const RawValues& raw, Config& c) {
  c.max_txn_ops = parse_uint(raw, "max-txn-ops");
  if (c.max_txn_ops == 0 || c.max_txn_ops > 1'000'000) {
    bad_value("max-txn-ops", raw["max-txn-ops"], "must be between 1 and 1000000");
  }
  c.max_request_bytes = parse_uint(raw, "max-request-bytes");
  if (c.max_request_bytes == 0 || c.max_request_bytes > (uint64_t{1} << 30)) {
    bad_value("max-request-bytes", raw["max-request-bytes"], "must be between 1 and 1073741824");
  }
  const std::string& quota = raw["quota-backend-bytes"];
  int64_t quota_bytes = 0;
  const auto parsed = std::from_chars(quota.data(), quota.data() + quota.size(), quota_bytes);
  if (parsed.ec != std::errc{} || parsed.ptr != quota.data() + quota.size()) {
    bad_value("quota-backend-bytes", quota, "not an integer");
  }
  c.quota_backend_bytes = quota_bytes == 0 ? (int64_t{2} << 30) : quota_bytes;
  const std::string& mode = raw["auto-compaction-mode"];
  const std::string& retention = raw["auto-compaction-retention"];
  if (mode == "periodic") {
    c.auto_compaction_revisions = 0;
    c.auto_compaction_retention_ns =
        parse_duration_ns("auto-compaction-retention", retention, 3'600'000'000'000);
  } else if (mode == "revision") {
    c.auto_compaction_retention_ns = 0;
    c.auto_compaction_revisions =
        static_cast<int64_t>(parse_uint(raw, "auto-compaction-retention"));
  } else {
    bad_value("auto-compaction-mode", mode, "must be 'periodic' or 'revision'");
  }
}

std::vector<Url> parse_urls(const RawValues& raw, const char* flag) {
  auto urls = parse_url_list(raw[flag]);
  if (!urls) bad_value(flag, raw[flag], urls.error().message);
  return std::move(urls).value();
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Go's flag package accepts "-name"; CLI11 reads single-dash words as short options.
std::vector<std::string> normalize_single_dash(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const auto& arg : args) {
    const bool single_dash_long = arg.size() > 2 && arg[0] == '-' && std::isalpha(arg[1]);
    out.push_back(single_dash_long ? "-" + arg : arg);
  }
  return out;
}

// Parses the command line with CLI11 and layers env and defaults underneath it.
RawValues collect_raw(const std::vector<std::string>& args, const EnvLookup& env) {
  CLI::App app{"etcd2"};
  app.allow_extras(false);
  app.set_help_flag();  // handled by the caller so help goes to stdout with exit 0
  std::map<std::string, std::string> text;
  std::map<std::string, bool> flags;
  std::map<std::string, CLI::Option*> options;
  for (const auto& spec : kFlags) {
    if (spec.kind == Kind::boolean) {
      options[spec.name] = app.add_flag(std::string("--") + spec.name, flags[spec.name]);
    } else {
      options[spec.name] = app.add_option(std::string("--") + spec.name, text[spec.name]);
    }
    // Go's flag package lets a repeated flag win with its last value; so do we.
    options[spec.name]->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  }
  auto argv = normalize_single_dash(args);
  std::reverse(argv.begin(), argv.end());  // CLI11 consumes a reversed vector
  try {
    app.parse(argv);
  } catch (const CLI::ParseError& e) {
    throw UsageError{e.what()};
  }
  RawValues raw;
  for (const auto& spec : kFlags) {
    const std::string name = spec.name;
    if (options[name]->count() > 0) {
      raw.value[name] = spec.kind == Kind::boolean ? (flags[name] ? "true" : "false") : text[name];
      raw.given.insert(name);
    } else if (auto from_env = env(env_name(name))) {
      raw.value[name] = *from_env;
      raw.given.insert(name);
    } else {
      raw.value[name] = spec.default_value;
    }
  }
  return raw;
}

void fill_member(const RawValues& raw, Config& c) {
  c.name = raw["name"];
  c.data_dir = raw["data-dir"].empty() ? c.name + ".etcd" : raw["data-dir"];
  c.wal_dir = raw["wal-dir"];
  c.snapshot_count = parse_uint(raw, "snapshot-count");
  c.heartbeat_interval_ms = parse_uint(raw, "heartbeat-interval");
  c.election_timeout_ms = parse_uint(raw, "election-timeout");
  c.listen_peer_urls = parse_urls(raw, "listen-peer-urls");
  c.listen_client_urls = parse_urls(raw, "listen-client-urls");
  for (const auto& url : c.listen_client_urls) {
    // Refuse rather than serve plain HTTP on a URL the operator meant to be encrypted.
    if (url.scheme == "unixs") {
      throw UsageError{"--listen-client-urls " + url.raw +
                       ": TLS on unix sockets is not supported (use https://)"};
    }
  }
  c.max_snapshots = static_cast<uint32_t>(parse_uint(raw, "max-snapshots"));
  c.max_wals = static_cast<uint32_t>(parse_uint(raw, "max-wals"));
  c.cors = split_list(raw["cors"]);
}

void fill_cluster(const RawValues& raw, Config& c) {
  c.initial_advertise_peer_urls = parse_urls(raw, "initial-advertise-peer-urls");
  c.advertise_client_urls = parse_urls(raw, "advertise-client-urls");
  c.initial_cluster_given = raw.was_given("initial-cluster");
  if (c.initial_cluster_given) {
    auto entries = parse_initial_cluster(raw["initial-cluster"]);
    if (!entries) bad_value("initial-cluster", raw["initial-cluster"], entries.error().message);
    c.initial_cluster = std::move(entries).value();
  } else {
    for (const auto& url : c.initial_advertise_peer_urls)
      c.initial_cluster.push_back({c.name, url});
  }
  const auto& state = raw["initial-cluster-state"];
  if (state == "new") {
    c.initial_cluster_state = ClusterState::fresh;
  } else if (state == "existing") {
    c.initial_cluster_state = ClusterState::existing;
  } else {
    bad_value("initial-cluster-state", state, "valid values include new, existing");
  }
  c.initial_cluster_token = raw["initial-cluster-token"];
  c.discovery = raw["discovery"];
  c.discovery_srv = raw["discovery-srv"];
  c.discovery_proxy = raw["discovery-proxy"];
  const auto& fallback = raw["discovery-fallback"];
  if (fallback == "exit") {
    c.discovery_fallback = DiscoveryFallback::exit;
  } else if (fallback == "proxy") {
    c.discovery_fallback = DiscoveryFallback::proxy;
  } else {
    bad_value("discovery-fallback", fallback, "valid values include exit, proxy");
  }
  c.strict_reconfig_check = parse_bool("strict-reconfig-check", raw["strict-reconfig-check"]);
  parse_v3_flags(raw, c);
}

void fill_proxy(const RawValues& raw, Config& c) {
  const auto& mode = raw["proxy"];
  if (mode == "off") {
    c.proxy = ProxyMode::off;
  } else if (mode == "on") {
    c.proxy = ProxyMode::on;
  } else if (mode == "readonly") {
    c.proxy = ProxyMode::readonly;
  } else {
    bad_value("proxy", mode, "valid values include off, readonly, on");
  }
  c.proxy_failure_wait_ms = parse_uint(raw, "proxy-failure-wait");
  c.proxy_refresh_interval_ms = parse_uint(raw, "proxy-refresh-interval");
  c.proxy_dial_timeout_ms = parse_uint(raw, "proxy-dial-timeout");
  c.proxy_write_timeout_ms = parse_uint(raw, "proxy-write-timeout");
  c.proxy_read_timeout_ms = parse_uint(raw, "proxy-read-timeout");
}

TlsFiles tls_files(const RawValues& raw, const std::string& prefix) {
  TlsFiles tls;
  tls.cert_file = raw[prefix + "cert-file"];
  tls.key_file = raw[prefix + "key-file"];
  tls.trusted_ca_file = raw[prefix + "trusted-ca-file"];
  tls.client_cert_auth = parse_bool(prefix + "client-cert-auth", raw[prefix + "client-cert-auth"]);
  // The deprecated --ca-file meant "trust this CA and require client certificates".
  if (const auto& legacy = raw[prefix + "ca-file"]; !legacy.empty()) {
    if (tls.trusted_ca_file.empty()) tls.trusted_ca_file = legacy;
    tls.client_cert_auth = true;
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    throw UsageError{"--" + prefix + "cert-file and --" + prefix +
                     "key-file must be given together"};
  }
  if (tls.client_cert_auth && tls.trusted_ca_file.empty()) {
    throw UsageError{"--" + prefix + "client-cert-auth requires --" + prefix + "trusted-ca-file"};
  }
  return tls;
}

void validate(const RawValues& raw, const Config& c) {
  if (c.heartbeat_interval_ms == 0) bad_value("heartbeat-interval", "0", "must be positive");
  if (5 * c.heartbeat_interval_ms > c.election_timeout_ms) {
    throw UsageError{"--election-timeout[" + std::to_string(c.election_timeout_ms) +
                     "ms] should be at least as 5 times as --heartbeat-interval[" +
                     std::to_string(c.heartbeat_interval_ms) + "ms]"};
  }
  if (c.election_timeout_ms > 50000) {
    bad_value("election-timeout", raw["election-timeout"], "too long (maximum 50000 ms)");
  }
  if (c.snapshot_count == 0) bad_value("snapshot-count", "0", "must be positive");
  for (const auto& url : c.listen_client_urls) {
    // etcd 2.3's wording. (The proxy refuses https listeners when it starts.)
    if (url.scheme == "https" && c.client_tls.cert_file.empty()) {
      throw UsageError{"TLS key/cert (--cert-file, --key-file) must be provided for client url " +
                       url.raw + " with HTTPs scheme"};
    }
  }
  const int bootstrap_ways = (c.initial_cluster_given ? 1 : 0) + (c.discovery.empty() ? 0 : 1) +
                             (c.discovery_srv.empty() ? 0 : 1);
  if (bootstrap_ways > 1) {
    throw UsageError{
        "multiple discovery or bootstrap flags are set. Choose one of \"initial-cluster\", "
        "\"discovery\" or \"discovery-srv\""};
  }
  // A static member must find itself in --initial-cluster under the URLs it advertises.
  if (c.proxy == ProxyMode::off && bootstrap_ways == (c.initial_cluster_given ? 1 : 0)) {
    std::set<std::string> mine;
    for (const auto& e : c.initial_cluster) {
      if (e.name == c.name) mine.insert(e.url.raw);
    }
    std::set<std::string> advertised;
    for (const auto& u : c.initial_advertise_peer_urls)
      advertised.insert(u.raw);
    if (mine != advertised) {
      throw UsageError{
          "--initial-cluster must include " + c.name + "=" + raw["initial-advertise-peer-urls"] +
          " given --initial-advertise-peer-urls=" + raw["initial-advertise-peer-urls"]};
    }
  }
}

std::string usage() {
  std::ostringstream out;
  out << "usage: etcd2 [flags]\n"
         "       start an etcd v2 member\n\n"
         "       etcd2 --version\n"
         "       show the version of etcd2\n\n"
         "Every flag --my-flag can also be set as ETCD_MY_FLAG; flags win.\n\nflags:\n";
  for (const auto& spec : kFlags) {
    out << "  --" << spec.name;
    if (spec.kind == Kind::text) out << " '" << spec.default_value << "'";
    out << "\n      " << spec.help << "\n";
  }
  return out.str();
}

std::vector<std::string> unknown_env_warnings(const std::vector<std::string>& env_names) {
  std::set<std::string> known;
  for (const auto& spec : kFlags)
    known.insert(env_name(spec.name));
  std::vector<std::string> warnings;
  for (const auto& name : env_names) {
    if (name.starts_with("ETCD_") && !known.count(name)) {
      warnings.push_back("unrecognized environment variable " + name);
    }
  }
  return warnings;
}

}  // namespace

std::string version_text() {
  return "etcd2 Version: " CORESTACK_VERSION
         "\n"
         "etcd API: 2\n"
         "Compiler: " __VERSION__ "\n";
}

ParseOutcome parse_config(const std::vector<std::string>& args, const EnvLookup& env,
                          const std::vector<std::string>& env_names) {
  ParseOutcome outcome;
  for (const auto& arg : args) {
    if (arg == "--version" || arg == "-version") {
      return {.action = ParseOutcome::Action::exit, .output = version_text()};
    }
    if (arg == "-h" || arg == "--help" || arg == "-help") {
      return {.action = ParseOutcome::Action::exit, .output = usage()};
    }
  }
  try {
    const RawValues raw = collect_raw(args, env);
    Config& c = outcome.config;
    fill_member(raw, c);
    fill_cluster(raw, c);
    fill_proxy(raw, c);
    c.client_tls = tls_files(raw, "");
    c.peer_tls = tls_files(raw, "peer-");
    c.debug = parse_bool("debug", raw["debug"]);
    c.log_package_levels = raw["log-package-levels"];
    c.force_new_cluster = parse_bool("force-new-cluster", raw["force-new-cluster"]);
    validate(raw, c);
  } catch (const UsageError& e) {
    outcome.action = ParseOutcome::Action::exit;
    outcome.exit_code = 2;
    outcome.error = "etcd2: " + e.message + "\nRun 'etcd2 --help' for the list of flags.\n";
    return outcome;
  }
  outcome.warnings = unknown_env_warnings(env_names);
  return outcome;
}

}  // namespace etcd::cmd
