// fleetd's configuration (docs/fleet.md "Configuration"; fleet fleetd/fleetd.go,
// config/config.go): built-in defaults, overlaid by /etc/fleet/fleet.conf (top-level
// `key=value` lines, no sections), overlaid by the environment (FLEET_<OPTION_UPPERCASE>).
// Also the timings fleetd derives from it (heartbeat, state refresh, engine lease).
//
// Differences from fleet: a value that does not parse is an error naming the option (fleet's
// globalconf silently kept the default), and an empty environment variable counts as unset
// (as in fleet). Deprecated options (verify_units, authorized_keys_file) and unknown keys only
// add a warning for the caller to log.
//
// Pure: the file's text and an environment lookup come in, nothing is read here.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/fleet/expected.h"

namespace corestack::fleet {

constexpr std::string_view kDefaultConfigFile = "/etc/fleet/fleet.conf";
constexpr std::string_view kConfigEnvPrefix = "FLEET_";

struct FleetConfig {
  // >0 enables debug logging.
  int verbosity = 0;
  // Each item cleaned of surrounding spaces, '[', ']' and '"' (fleet's pkg.StringSlice).
  std::vector<std::string> etcd_servers{"http://127.0.0.1:2379", "http://127.0.0.1:4001"};
  std::string etcd_username;
  std::string etcd_password;
  std::string etcd_keyfile;
  std::string etcd_certfile;
  std::string etcd_cafile;
  std::string etcd_key_prefix = "/_coreos.com/fleet/";
  // Float seconds in the file; kept as milliseconds, truncated, as fleet converts them.
  std::chrono::milliseconds etcd_request_timeout{1000};
  std::chrono::milliseconds engine_reconcile_interval{2000};
  // "" = the IPv4 address of the default-route interface (found by fleetd, not here).
  std::string public_ip;
  // `metadata` as written, and parsed (parse_metadata).
  std::string raw_metadata;
  std::map<std::string, std::string> metadata;
  // A Go duration in the file ("30s", "1m30s").
  std::chrono::nanoseconds agent_ttl{std::chrono::seconds(30)};
  std::string units_directory = "/run/fleet/units/";
  bool systemd_user = false;
  // API page size: 1..65535 (page tokens carry it as a uint16).
  int token_limit = 100;
  bool disable_engine = false;
  bool disable_watches = false;
  bool enable_grpc = false;
  // For the caller to log: deprecated or unknown options, ignored sections, metadata items
  // without '='.
  std::vector<std::string> warnings;
};

// Returns the environment variable's value, or nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// defaults < file < environment. `file_text` is the config file's contents (nullopt: no
// file), `file_name` its path for messages. Errors name the option and the source, e.g.
// `invalid value "30" for agent_ttl (from FLEET_AGENT_TTL): time: missing unit in duration
// "30"`.
Expected<FleetConfig, std::string> load_fleet_config(
    std::optional<std::string_view> file_text, const EnvLookup& env,
    std::string_view file_name = kDefaultConfigFile);

// The file's top-level `key=value` pairs (last one wins). '#' or ';' starts a comment line;
// keys and values are trimmed; a value wrapped in double quotes loses them. Keys after a
// `[section]` line are ignored with a warning. Error: a line without '=' ("line 3: expected
// key=value").
struct ConfigFileEntries {
  std::map<std::string, std::string> values;
  std::vector<std::string> warnings;
};
Expected<ConfigFileEntries, std::string> parse_config_file(std::string_view text);

// etcd_servers: split on ',', each item stripped of ' ', '[', ']', '"'; empty items dropped.
// Error when nothing is left.
Expected<std::vector<std::string>, std::string> parse_etcd_servers(std::string_view value);

// metadata: `k=v,k2=v2`; the whole value may be double-quoted; keys and values trimmed; the
// last duplicate wins; non-empty items without '=' are skipped (fleet) with a warning.
std::map<std::string, std::string> parse_metadata(std::string_view value,
                                                  std::vector<std::string>* warnings = nullptr);

// Go's time.ParseDuration: "300ms", "-1.5h", "2h45m", units ns us µs ms s m h; "0" alone.
Expected<std::chrono::nanoseconds, std::string> parse_go_duration(std::string_view text);

// What fleetd derives from the config (fleet server/server.go, agent, engine).
struct FleetTimings {
  std::chrono::nanoseconds machine_heartbeat;  // agent_ttl / 2
  std::chrono::nanoseconds presence_ttl;       // agent_ttl
  std::chrono::nanoseconds state_refresh;      // agent_ttl*4/5 when > 10 s, else agent_ttl/2
  std::chrono::milliseconds state_poll;        // 1 s
  std::chrono::milliseconds agent_reconcile;   // 5 s
  std::chrono::milliseconds engine_reconcile;  // engine_reconcile_interval
  std::chrono::milliseconds engine_lease_ttl;  // 5 x engine_reconcile_interval
};
FleetTimings derive_timings(const FleetConfig& config);

}  // namespace corestack::fleet
