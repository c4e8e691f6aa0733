// fleetctl's command line (docs/fleet.md "fleetctl"): global and command flags as fleet's
// cobra/pflag took them (anywhere on the line, `--x v`, `--x=v`, `-l`, `--` ends flags), each
// global flag also from $FLEETCTL_<NAME> (a flag on the line wins), command names matched by
// unique prefix (`list-m` = list-machines). Pure: the environment comes in as a function.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/fleet/expected.h"

namespace corestack::fleet {

constexpr std::string_view kDefaultApiEndpoint = "unix:///var/run/fleet.sock";
constexpr std::string_view kDefaultEtcdEndpoint = "http://127.0.0.1:2379,http://127.0.0.1:4001";

struct Options {
  // ---- global flags ----
  std::string endpoint;        // "" = the driver's default (kDefault*Endpoint)
  std::string driver = "api";  // lowercased: "api" or "etcd"
  double request_timeout_s = 3.0;
  std::string tunnel;  // host[:port]
  std::string ssh_username = "core";
  double ssh_timeout_s = 10.0;
  bool strict_host_key_checking = true;
  std::string known_hosts_file = "~/.fleetctl/known_hosts";
  std::string key_file, cert_file, ca_file;
  std::string etcd_key_prefix = "/_coreos.com/fleet/";
  bool debug = false;
  // ---- command flags ----
  std::string fields;
  bool full = false;
  bool no_legend = false;
  bool no_block = false;
  int block_attempts = 0;  // 0: wait forever
  bool replace = false;
  int ssh_port = 22;
  int lines = 10;
  bool follow = false;
  std::string output = "short";
  bool sudo = false;
  std::string machine;  // ssh --machine
  std::string unit;     // ssh --unit
  bool forward_agent = false;
  bool sign = false;  // deprecated signing: exit 2
  bool help = false;
  bool version = false;
  // ---- positional ----
  std::string command;  // resolved full name ("" = none given)
  std::vector<std::string> args;

  // The endpoint to use: the flag's, else the driver's default.
  std::string effective_endpoint() const;
};

// Every command, in help order.
const std::vector<std::string_view>& fleetctl_commands();

// `word` resolved against the commands: an exact name, else the only command it is a prefix
// of. Errors: `unknown command "x" for "fleetctl"`, `ambiguous command "s" for "fleetctl":
// could be ssh, start, status, stop, submit`.
Expected<std::string, std::string> resolve_command(std::string_view word);

using Getenv = std::function<const char*(const char*)>;

// Parses argv (without argv[0]). Errors (print "Error: <text>", exit 1): an unknown flag, a
// flag without its value, a bad value (`invalid argument "x" for --block-attempts: ...`,
// `--ssh-port 0`), a bad $FLEETCTL_ value (`invalid value "x" in FLEETCTL_SSH_PORT: ...`), an
// unknown or ambiguous command. For `ssh`, every word after the first argument (the machine
// or unit, or the first word when --machine/--unit is given) belongs to the remote command.
Expected<Options, std::string> parse_options(const std::vector<std::string>& argv,
                                             const Getenv& getenv);

// `fleetctl help` / `--help`: every command and flag.
std::string usage_text();

}  // namespace corestack::fleet
