// Where locksmithd and locksmithctl get their settings (docs/locksmith.md "Configuration"):
// the global flags in Go flag syntax, each also settable as $LOCKSMITHD_<FLAG> /
// $LOCKSMITHCTL_<FLAG>; the reboot strategy ($REBOOT_STRATEGY); the reboot window
// ($LOCKSMITHD_REBOOT_WINDOW_START/LENGTH, falling back to the unprefixed names); the
// machine ID file. Turns the flags into the etcd::client::Config both programs use.
//
// The environment is always an injected lookup (main() passes one over getenv), so
// everything here is pure except read_machine_id(), which reads one file.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/etcdclient/config.h"
#include "agents/locksmith/expected.h"
#include "agents/locksmith/window.h"

namespace corestack::locksmith {

// Returns the variable's value, or nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The version both programs print for -version.
std::string_view locksmith_version();

// Which program reads the flags: decides the environment prefix.
enum class Program { locksmithd, locksmithctl };
// "LOCKSMITHD" or "LOCKSMITHCTL".
std::string_view env_prefix(Program program);

// locksmithd's own flags (docs/locksmith.md): where the coordinator file lives and the
// waits, which tests shorten. Kept as given: the daemon parses the durations at start-up
// and reports a bad one itself. locksmithctl does not accept them.
struct DaemonFlags {
  std::string coordinator_file = "/run/update-engine/coordinator.conf";
  std::string unlock_delay = "5s";
  std::string retry_initial = "5s";
  std::string retry_max = "5m";
  std::string login_delay = "5m";
  std::string utmp;  // "" = the system's utmp
};

struct GlobalFlags {
  // etcd client URLs, whitespace-trimmed; the default when neither flag nor env gives one.
  std::vector<std::string> endpoints;
  std::string etcd_cafile;
  std::string etcd_certfile;
  std::string etcd_keyfile;
  std::string etcd_username;
  std::string etcd_password;
  std::string group;              // "" = the default semaphore
  bool debug = false;             // accepted, no effect (as in the reference)
  bool version = false;           // command line only: the environment never sets it
  bool help = false;              // -h, -help or --help was given (parsing stopped there)
  std::vector<std::string> args;  // what follows the flags: command and its arguments
  DaemonFlags daemon;             // Program::locksmithd only
};

// One global flag, for help texts: name, default as Go prints it, description.
struct FlagInfo {
  std::string_view name;
  std::string_view default_text;
  std::string_view usage;
};
// In Go's order (sorted by name).
const std::vector<FlagInfo>& global_flag_infos();

// The default endpoints: http://127.0.0.1:2379 and http://127.0.0.1:4001.
std::vector<std::string> default_endpoints();

// Parses `args` (without the program name) as Go's flag package does (agents/common/
// go_flags.h): -name, --name, -name=value, -name value (not for booleans), parsing stops at
// the first non-flag or after "--". -endpoint may repeat and takes comma lists; locksmithd
// also takes the DaemonFlags (-coordinator-file, ...). Then, for each flag not on the
// command line, a non-empty $<PREFIX>_<NAME> (upper case, '-' -> '_') sets it (an
// unparsable boolean there is ignored, as in the reference). Errors (the flag package's
// texts): "flag provided but not defined: -x", "flag needs an argument: -group",
// "invalid boolean value \"x\" for -debug: parse error", "bad flag syntax: ---x".
Expected<GlobalFlags, std::string> parse_global_flags(const std::vector<std::string>& args,
                                                      Program program, const EnvLookup& env);

// The etcd client configuration for `flags`. TLS: a CA file alone verifies the servers
// (the reference wrongly demanded a client certificate then); cert + key add a client
// certificate. Client::create validates it.
etcd::client::Config etcd_config(const GlobalFlags& flags);

// Reboot strategies ($REBOOT_STRATEGY).
enum class StrategyKind { etcd_lock, reboot, off, unknown };
struct Strategy {
  StrategyKind kind = StrategyKind::reboot;
  std::string name;  // as configured; "reboot" when it was empty
  bool operator==(const Strategy&) const = default;
};
// "etcd-lock", "reboot", "off"; "" -> reboot (the default since v0.6). Anything else
// (including the removed "best-effort") is kept as unknown: the daemon reports
// "unknown strategy: <name>" at reboot time.
Strategy parse_strategy(std::string_view value);
Strategy strategy_from_env(const EnvLookup& env);

// The configured reboot window with the texts it came from (for the log line).
struct WindowConfig {
  std::string start;
  std::string length;
  Window window;
};
// nullopt when neither start nor length is set. Each of $LOCKSMITHD_REBOOT_WINDOW_START /
// _LENGTH falls back to $REBOOT_WINDOW_START / _LENGTH when empty. Errors: exactly one
// set -> "Either both or neither $REBOOT_WINDOW_START and $REBOOT_WINDOW_LENGTH must be
// set"; otherwise parse_window's error (the daemon prefixes "Error parsing reboot window: ").
Expected<std::optional<WindowConfig>, std::string> window_from_env(const EnvLookup& env);

// The machine ID file: $LOCKSMITH_MACHINE_ID_FILE when set and not empty (for tests),
// else /etc/machine-id.
std::string machine_id_path(const EnvLookup& env);
// The file's content with surrounding whitespace trimmed; nullopt when it cannot be read
// or is empty (callers print "Cannot read machine-id").
std::optional<std::string> read_machine_id(const std::string& path);

}  // namespace corestack::locksmith
