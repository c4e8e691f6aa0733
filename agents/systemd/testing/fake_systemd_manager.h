// Manager: fake_systemd's org.freedesktop.systemd1.Manager without the bus. It owns the
// InstallState the unit-file methods change, the unit table as of the last Reload, each
// service's state machine and its processes, and the job counter (jobs finish at once and
// are only numbered).
//
// The unit table changes only at reload(), on purpose stricter than systemd (which loads an
// unknown unit from disk on demand): a unit linked but not yet reloaded is "not-found" to
// StartUnit, and a changed file takes effect at the next reload, so a caller that forgets
// daemon-reload fails here instead of working by luck.
//
// Service states (systemd.service(5), reduced to Type=simple and Type=oneshot):
//   inactive/dead --start--> [activating/start-pre per ExecStartPre=] -->
//     simple:  active/running while ExecStart= runs; its exit 0 (or death by SIGHUP, SIGINT,
//              SIGTERM, SIGPIPE) -> inactive/dead, anything else -> failed/failed
//     oneshot: activating/start per ExecStart=, then active/exited (RemainAfterExit=yes) or
//              inactive/dead; a failing command -> failed/failed
//   stop: SIGTERM to the process group (deactivating/stop-sigterm), SIGKILL after
//         TimeoutStopSec= (stop-sigkill, then failed/failed with result "timeout");
//         exit 0 or by SIGTERM -> inactive/dead
//   a "-" command prefix ignores that command's failure; reset-failed: failed -> inactive/dead
// When a unit's process exits, the rest of its process group is killed (systemd would
// SIGTERM the cgroup first, and keep it for RemainAfterExit=yes).
//
// Each event becomes one line for `events` (stdout), and `changed` (the state file) runs
// after every change, both before a method returns, so a caller holding the D-Bus reply
// sees them done. Errors throw BusError named as systemd names them. One thread: the one
// that forks the children and reaps them (on_child_exit).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agents/systemd/testing/fake_systemd_install.h"
#include "agents/systemd/testing/fake_systemd_unit_file.h"

namespace corestack::systemd::testing::fake_systemd {

// A unit as ListUnits reports it (a(ssssssouso) minus the job fields) and as its
// properties show it.
struct UnitStatus {
  std::string name;
  std::string description;  // Description=, or the name
  std::string load_state;   // loaded, not-found, bad-setting
  std::string active_state;
  std::string sub_state;
  std::string object_path;
  std::string fragment_path;  // the linked file; "" when never loaded
  uint32_t main_pid = 0;      // the ExecStart= process while it runs
  std::string result;         // success, exit-code, signal, core-dump, timeout, resources
};

struct ManagerOptions {
  std::string log_dir;  // "<log_dir>/<unit>.log" per unit; empty: the fake's stderr
  HostIds host;         // for %H %m %b
};

class Manager {
 public:
  using Clock = std::chrono::steady_clock;
  Manager(ManagerOptions options, std::function<void(const std::string&)> events,
          std::function<void()> changed);

  // Unit files (InstallState); events "link <path>", "enable <name>", "disable <name>".
  std::vector<Change> link_unit_files(const std::vector<std::string>& files, bool runtime,
                                      bool force);
  InstallState::EnableResult enable_unit_files(const std::vector<std::string>& files, bool runtime,
                                               bool force);
  std::vector<Change> disable_unit_files(const std::vector<std::string>& names, bool runtime);
  // Rebuilds the unit table from the links: a running unit keeps its process (and becomes
  // not-found if unlinked); an inactive unlinked one is dropped. Event "reload".
  void reload();

  // Return the job's object path. Unknown or not-found unit: NoSuchUnit; bad-setting:
  // BadUnitSetting; a mode systemd rejects: InvalidArgs (NoIsolation for "isolate").
  // Events "start-pre <unit> pid <pid>", "start <unit> pid <pid>", "stop <unit>".
  std::string start_unit(const std::string& name, const std::string& mode);
  std::string stop_unit(const std::string& name, const std::string& mode);
  // failed -> inactive/dead. Not in the table: NoSuchUnit. Event "reset-failed <unit>".
  void reset_failed_unit(const std::string& name);

  std::vector<UnitStatus> list_units() const;  // the table, by name
  // Any name: one outside the table is not-found/inactive/dead, as systemd reports it.
  UnitStatus status(const std::string& name) const;
  std::string get_unit(const std::string& name) const;  // its path; NoSuchUnit if not loaded

  // Children. before_reap() runs while `pid` is a zombie (its group id still reserved) and
  // kills what is left of its group; on_child_exit() then moves the unit on. Event
  // "exit <unit> <status>" (describe_wait_status).
  bool owns(pid_t pid) const;
  void before_reap(pid_t pid);
  void on_child_exit(pid_t pid, int wait_status);
  // Sends SIGKILL to stops past their TimeoutStopSec= (event "sigkill <unit>").
  void on_timer(Clock::time_point now);
  std::optional<Clock::time_point> next_deadline() const;
  // SIGKILL to the unit's running command, as a crash would; returns its pid, 0 if none.
  pid_t kill_unit(const std::string& name);
  void signal_all(int signal);  // every unit's process group (shutdown)
  bool has_processes() const;

  // {"reloads", "jobs", "links", "enabled", "units": {name: {...}}}: the state file.
  nlohmann::json to_json() const;

 private:
  enum class Active { inactive, activating, active, deactivating, failed };
  struct Step {
    ExecCommand command;
    bool main = false;  // ExecStart= rather than ExecStartPre=
  };
  struct Unit {
    std::string name;
    std::string load_state = "not-found";
    std::optional<UnitFile> file;  // as of the last reload that could read it
    std::string fragment_path;
    Active active = Active::inactive;
    std::string sub = "dead";
    std::string result = "success";
    std::vector<Step> steps;  // the current start's commands; next_step indexes the next
    size_t next_step = 0;
    std::vector<std::string> environment;
    pid_t pid = 0;
    bool stopping = false;
    bool start_after_stop = false;  // StartUnit while stopping: start again once stopped
    std::optional<Clock::time_point> kill_at;
    bool sigkill_sent = false;
    std::string last_exit;  // describe_wait_status() of the last command, "" before one
    unsigned starts = 0;
  };

  Unit* find(const std::string& name);
  const Unit* find(const std::string& name) const;
  Unit* find_by_pid(pid_t pid);
  Unit& startable(const std::string& name);
  uint32_t next_job();
  void load(Unit& unit, const std::string& path);
  void begin_start(Unit& unit);
  void run_next_step(Unit& unit);
  void after_step(Unit& unit, int wait_status);
  void begin_stop(Unit& unit);
  void finish_stop(Unit& unit, int wait_status);
  void enter_dead(Unit& unit, const std::string& result);
  void set_state(Unit& unit, Active active, const std::string& sub);
  std::optional<std::vector<std::string>> environment_for(const UnitFile& file) const;
  UnitStatus status_of(const Unit& unit) const;
  nlohmann::json unit_json(const Unit& unit) const;

  ManagerOptions options_;
  std::function<void(const std::string&)> events_;
  std::function<void()> changed_;
  InstallState install_;
  std::map<std::string, Unit> units_;  // ordered: ListUnits and the state file are stable
  uint32_t jobs_ = 0;
  unsigned reloads_ = 0;
};

}  // namespace corestack::systemd::testing::fake_systemd
