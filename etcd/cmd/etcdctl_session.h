// Session: what one etcdctl2 invocation works with — the global options, the output
// streams, stdin, the environment lookup, and the etcd client, created on first use the
// way etcdctl's mustNewClient creates it (TLS files checked, the password prompted when
// --username has none, then a cluster sync unless --no-sync, with --debug traces).
// Single-threaded (exec-watch's children run as separate processes).
#pragma once

#include <istream>
#include <memory>
#include <ostream>

#include "agents/etcdclient/client.h"
#include "etcd/cmd/etcdctl_global.h"

namespace etcd::cmd::ctl {

struct Session {
  GlobalOptions options;
  std::ostream& out;
  std::ostream& err;
  std::istream& in;
  EnvLookup env;
  std::unique_ptr<client::Client> client;

  // The client, or nullptr after printing why (then `exit_code` is what etcdctl exits
  // with: 1 for a bad configuration, 2 when the sync cannot connect, 4 when the cluster
  // publishes no client URL). `sync` false: never sync (etcdctl's mustNewClientNoSync).
  client::Client* connect(bool sync = true);
  int exit_code = 0;

  // contextWithTotalTimeout: applied to every call but watches.
  void use_total_timeout(bool on);

  // speakeasy.Ask: `prompt` on stdout, a line read from stdin without echo (on a
  // terminal); nullopt at end of input.
  std::optional<std::string> ask_password(const char* prompt);
};

// argOrStdin: args[i], else all of stdin (an empty stdin is "no value").
std::optional<std::string> arg_or_stdin(const std::vector<std::string>& args, size_t i,
                                        std::istream& in);

}  // namespace etcd::cmd::ctl
