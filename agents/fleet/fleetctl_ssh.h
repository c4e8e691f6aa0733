// fleetctl's remote side (docs/fleet.md "fleetctl"): the argv of the system `ssh` client for
// status, journal, ssh, global restart and --tunnel, the remote commands they run (quoted for
// the remote shell), and the process plumbing: run a command with fork/execvp (no shell),
// exchange one HTTP request over a command's stdin/stdout, and `fd-forward`.
//
// The argv builders are pure; run_* and fd_forward do I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/fleet/expected.h"

namespace corestack::fleet {

struct SshSettings {
  std::string user = "core";
  int port = 22;
  double timeout_s = 10.0;  // -o ConnectTimeout (whole seconds, at least 1)
  // true: -o StrictHostKeyChecking=ask (tty) / accept-new (no tty) against known_hosts_file;
  // false: no checking at all (StrictHostKeyChecking=no, UserKnownHostsFile=/dev/null).
  bool strict = true;
  std::string known_hosts_file;  // already ~-expanded
  bool interactive = false;      // a terminal on stdin: ask about new host keys
  std::string tunnel;            // "host[:port]" to hop through; "" = direct
  bool forward_agent = false;    // -A
  bool tty = false;              // -t (interactive shells)
};

// "host[:port]" -> host and port (default 22); "[v6]:port" too. Errors name the problem.
struct HostPort {
  std::string host;
  int port = 22;
};
Expected<HostPort, std::string> parse_host_port(std::string_view text, int default_port = 22);

// One word for a POSIX shell: unchanged when made only of [A-Za-z0-9_@%+=:,./-] (and not
// empty), else in single quotes with each ' written as '\''.
std::string shell_quote(std::string_view word);
// The words quoted and joined by spaces: what ssh hands to the remote shell.
std::string remote_command(const std::vector<std::string>& words);

// `ssh` + options + ["--", host] + [command]. `command` is the single string the remote shell
// runs ("" = an interactive login). Options: -p, -l, -o ConnectTimeout, host-key settings,
// -A, -t, and for a tunnel a ProxyCommand running ssh -W through the tunnel host with the
// same user and host-key settings (so --known-hosts-file covers both hops).
std::vector<std::string> ssh_argv(const SshSettings& s, std::string_view host,
                                  std::string_view command);

// `ssh <tunnel> -W host:port`: a byte pipe to host:port from the tunnel host (direct-tcpip).
std::vector<std::string> ssh_pipe_argv(const SshSettings& s, const HostPort& target);

// The remote commands fleetctl runs.
std::vector<std::string> status_command(std::string_view unit);   // systemctl status -l UNIT
std::vector<std::string> restart_command(std::string_view unit);  // systemctl restart UNIT
// [sudo] journalctl --unit UNIT --no-pager -n LINES --output OUTPUT [-f]
std::vector<std::string> journal_command(std::string_view unit, int lines, std::string_view output,
                                         bool follow, bool sudo);

// "~/x" -> "$HOME/x" (other paths unchanged).
std::string expand_home(std::string_view path, std::string_view home);

// True when ssh's stderr says the host key did not match known_hosts.
bool is_host_key_mismatch(std::string_view ssh_stderr);

// ---- I/O ----

// Creates the known_hosts file's directory (0700) when host keys are checked: ssh does not.
void ensure_known_hosts_dir(const SshSettings& s);

// Runs argv (execvp, no shell) with our stdin/stdout; its stderr is copied to ours and kept
// (stderr_copy) so the caller can recognise ssh's own failures. Returns the exit status
// (128 + signal when killed; 127 when it cannot be started).
int run_command(const std::vector<std::string>& argv, std::string* stderr_copy = nullptr);

// Runs argv, writes `input` to its stdin, closes it, and returns everything it printed on
// stdout. Errors: it cannot start, or exits non-zero (with its stderr).
Expected<std::string, std::string> exchange(const std::vector<std::string>& argv,
                                            std::string_view input, int timeout_ms);

// fleetctl fd-forward SOCKET: copies stdin to the unix socket (half-closing it at EOF) and
// the socket to stdout until it closes. Returns the exit status.
int fd_forward(const std::string& socket_path);

}  // namespace corestack::fleet
