// watch and exec-watch (etcd ctlv2/command/{watch,exec_watch}_command.go): long-polls
// with no total timeout; Ctrl-C exits 0. exec-watch starts the command for every event
// without waiting for it (as etcdctl's goroutines do), with ETCD_WATCH_ACTION, _KEY,
// _VALUE and _MODIFIED_INDEX appended to the environment.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "agents/etcdclient/codec.h"
#include "agents/etcdclient/keys_api.h"
#include "etcd/cmd/etcdctl_commands.h"
#include "etcd/cmd/etcdctl_output.h"

extern char** environ;

namespace etcd::cmd::ctl {
namespace {

void exit_on_interrupt() {
  struct sigaction sa {};
  sa.sa_handler = [](int) { ::_exit(0); };
  ::sigaction(SIGINT, &sa, nullptr);
}

// httpWatcher.Next: polls until a response (an empty body means "poll again") and moves
// the wait index past it.
client::Result<client::Response> next_event(client::KeysApi& keys, const std::string& key,
                                            uint64_t& wait_index, bool recursive) {
  while (true) {
    auto r = keys.wait(key, wait_index, recursive, 0);
    if (!r && client::is_empty_body(r.error())) continue;
    if (r) wait_index = r->node.modified_index + 1;
    return r;
  }
}

// The Go client waits from AfterIndex + 1 in uint64 arithmetic: --after-index -1 waits
// from 0 and -2 from 2^64-1, as etcdctl does.
uint64_t first_wait_index(int64_t after) {
  return after != 0 ? static_cast<uint64_t>(after) + 1 : 0;
}

// exec.LookPath: the program to run, or "" when it is not found.
std::string look_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

void spawn(const std::string& program, const std::vector<std::string>& argv,
           const client::Response& r) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e)
    env.emplace_back(*e);
  env.push_back("ETCD_WATCH_ACTION=" + r.action);
  env.push_back("ETCD_WATCH_MODIFIED_INDEX=" + std::to_string(r.node.modified_index));
  env.push_back("ETCD_WATCH_KEY=" + r.node.key);
  env.push_back("ETCD_WATCH_VALUE=" + r.node.value);
  std::vector<char*> cargv;
  std::vector<char*> cenv;
  for (const auto& a : argv)
    cargv.push_back(const_cast<char*>(a.c_str()));
  for (const auto& e : env)
    cenv.push_back(const_cast<char*>(e.c_str()));
  cargv.push_back(nullptr);
  cenv.push_back(nullptr);
  std::cout.flush();
  std::cerr.flush();
  if (::fork() == 0) {
    ::execve(program.c_str(), cargv.data(), cenv.data());
    ::_exit(127);
  }
}

}  // namespace

int cmd_watch(Session& s, const ParsedArgs& a) {
  client::Client* c = s.connect();
  if (c == nullptr) return s.exit_code;
  if (a.args.empty()) return report_error(s.err, kExitBadArgs, "key required");
  s.use_total_timeout(false);
  exit_on_interrupt();
  const bool recursive = a.flag("recursive");
  uint64_t wait_index = first_wait_index(a.integer("after-index"));
  client::KeysApi keys(*c);
  while (true) {
    auto r = next_event(keys, a.args[0], wait_index, recursive);
    if (!r) return report_error(s.err, kExitServerError, r.error());
    if (r->node.dir) continue;
    if (recursive) s.out << "[" << r->action << "] " << r->node.key << "\n";
    print_response(s.out, s.err, *r, s.options.output);
    s.out.flush();
    if (!a.flag("forever")) return kExitSuccess;
  }
}

int cmd_exec_watch(Session& s, const ParsedArgs& a) {
  client::Client* c = s.connect();
  if (c == nullptr) return s.exit_code;
  const auto& args = a.args;
  if (args.size() < 2) return report_error(s.err, kExitBadArgs, "key and command to exec required");
  bool separated = false;
  for (size_t i = 1; i < args.size(); ++i)
    separated = separated || args[i] == "--";
  // etcdctl: with "--" after the first argument the key is first and the command starts
  // after the "--"; without, the key is the last argument. urfave/cli 1.22 consumes the
  // first "--" of "exec-watch /k -- cmd" (etcdctl_flags.h), so that form watches the
  // command's last word: "exec-watch cmd args /k" is the one that works.
  const std::string key = separated ? args[0] : args.back();
  const std::vector<std::string> command =
      separated ? std::vector<std::string>(args.begin() + 2, args.end())
                : std::vector<std::string>(args.begin(), args.end() - 1);
  if (command.empty()) return report_error(s.err, kExitBadArgs, "key and command to exec required");
  uint64_t wait_index = first_wait_index(a.integer("after-index"));
  s.use_total_timeout(false);
  exit_on_interrupt();
  ::signal(SIGCHLD, SIG_IGN);  // children are never waited for
  client::KeysApi keys(*c);
  while (true) {
    auto r = next_event(keys, key, wait_index, a.flag("recursive"));
    if (!r) return report_error(s.err, kExitServerError, r.error());
    if (r->node.dir) {
      s.err << "Ignored dir " << r->node.key << " change\n";
      continue;
    }
    const std::string program = look_path(command[0]);
    if (program.empty()) {
      s.err << "exec: " << go_quote(command[0]) << ": executable file not found in $PATH"
            << std::flush;
      return kExitBadArgs;
    }
    spawn(program, command, *r);
  }
}

}  // namespace etcd::cmd::ctl
