// etcdctl2's global options (the ones before the command name) and the environment
// fallbacks of etcdctl 2.3 / ETCDCTL_API=2:
//   --endpoints > ETCDCTL_ENDPOINTS > --endpoint > ETCDCTL_ENDPOINT > --peers/-C >
//   ETCDCTL_PEERS > http://127.0.0.1:2379,http://127.0.0.1:4001
//   --ca-file/--cert-file/--key-file > ETCDCTL_CA_FILE/_CERT_FILE/_KEY_FILE
//   --username/-u > ETCDCTL_USERNAME ("user:password", or "user" and a password prompt)
//   --timeout (per request, 2s), --total-timeout (per command except watch, 5s),
//   --no-sync, --debug, --output/-o simple|extended|json.
// Parsed with CLI11; reads the environment only through the lookup it is given.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "etcd/common/result.h"

namespace etcd::cmd::ctl {

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

struct GlobalOptions {
  bool debug = false;
  bool no_sync = false;
  std::string output = "simple";
  std::vector<std::string> endpoints;  // resolved (flags, env, default), scheme added
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string username;  // as given: "user" or "user:password"
  uint64_t timeout_ms = 2000;
  uint64_t total_timeout_ms = 5000;
  bool help = false;
  bool version = false;
};

struct CommandLine {
  GlobalOptions options;
  std::string command;            // empty: none given
  std::vector<std::string> args;  // everything after the command name
};

// Errors carry Go's flag wording (`flag provided but not defined: -x`, invalid values).
Result<CommandLine> parse_global(const std::vector<std::string>& argv, const EnvLookup& env);

// The top-level help text (etcdctl --help) for the program named `prog` (urfave/cli
// names it by the basename of argv[0]), listing `commands` ("   name\tusage\n" lines),
// and the version lines.
std::string global_help(const std::string& prog, const std::string& commands);
std::string version_text();
// Our version, where urfave/cli's app help prints the VERSION section.
std::string version_number();

}  // namespace etcd::cmd::ctl
