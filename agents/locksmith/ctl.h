// locksmithctl: the command-line tool for the cluster-wide reboot lock (docs/locksmith.md
// "locksmithctl"): status, lock, unlock, set-max, reboot, send-need-reboot, help. Output
// lines, messages and exit codes follow locksmith v0.6 (0 ok, 1 failure, 2 usage), with
// its crashes and wrong exit codes fixed.
//
// run_ctl owns no process state: the environment, the output streams and the host
// (root check, logind, D-Bus) are passed in, so tests drive it with fakes. It talks to
// etcd itself (etcd::client over the flags' endpoints).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "agents/locksmith/config.h"
#include "agents/locksmith/expected.h"

namespace corestack::locksmith {

// What locksmithctl needs from the machine beyond etcd. Errors are complete messages,
// printed to stderr as they are (e.g. "error connecting to system dbus: ...").
struct CtlHost {
  virtual ~CtlHost() = default;
  // Effective user is root (reboot requires it).
  virtual bool is_root() = 0;
  // logind org.freedesktop.login1.Manager.Reboot(false). Returns once the request is
  // sent; the machine goes down afterwards.
  virtual Expected<void, std::string> reboot() = 0;
  // Emits com.coreos.update1.Manager.StatusUpdate on /com/coreos/update1 with body
  // (int64 0, double 0, "UPDATE_STATUS_UPDATED_NEED_REBOOT", "", int64 0), as
  // update_engine would, and makes sure it left before returning.
  virtual Expected<void, std::string> send_need_reboot() = 0;
};

// Runs locksmithctl with `args` = the whole argv (args[0] is the program name; -version
// prints its basename). Returns the exit code.
int run_ctl(const std::vector<std::string>& args, const EnvLookup& env, std::ostream& out,
            std::ostream& err, CtlHost& host);

// Go text/tabwriter (minwidth 0, tabwidth 8, padding 1, padchar '\t'): aligns the
// tab-terminated cells of consecutive lines, as the reference's help output is.
std::string tab_align(std::string_view text);

}  // namespace corestack::locksmith
