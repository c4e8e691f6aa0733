// SystemdManager: fleet's typed client of systemd's service manager,
// org.freedesktop.systemd1.Manager on /org/freedesktop/systemd1 (fleet systemd/manager.go,
// shared/reference/fleet.md §6). One method per Manager call the agent makes, plus the
// unit states it publishes. It decides nothing: UnitManager (unit_manager.h) sequences the
// calls.
//
// Errors: every call catches the Bus' BusError and returns it as a message naming the call,
// the unit and the D-Bus error name, e.g. "StopUnit a.service: Calling ...: Unit a.service
// not loaded. [org.freedesktop.systemd1.NoSuchUnit]". Nothing here throws.
//
// State: ListUnitsByNames exists since systemd 230. The first UnknownMethod answer makes
// this client fall back, for good, to ListUnits plus org.freedesktop.DBus.Properties on each
// unit it did not list (as fleet does through go-systemd's GetUnitProperties).
//
// Threading: like its Bus, one thread. The Bus must outlive the SystemdManager.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "agents/fleet/expected.h"
#include "agents/systemd/bus.h"

namespace corestack::fleet {

// The three states fleet reads and publishes (systemd's LoadState, ActiveState, SubState).
struct SystemdUnitState {
  std::string load_state;    // loaded, not-found, bad-setting, masked, ...
  std::string active_state;  // active, inactive, failed, activating, deactivating, ...
  std::string sub_state;     // running, dead, exited, ... (type-specific)

  bool operator==(const SystemdUnitState&) const = default;
};

// One row of ListUnits / ListUnitsByNames (the fields fleet uses of a(ssssssouso)).
struct SystemdUnitStatus {
  std::string name;
  std::string description;
  SystemdUnitState state;

  bool operator==(const SystemdUnitStatus&) const = default;
};

// One (type, file, destination) change of LinkUnitFiles, EnableUnitFiles, DisableUnitFiles,
// e.g. ("symlink", "/run/systemd/system/a.service", "/run/fleet/units/a.service").
struct UnitFileChange {
  std::string type;
  std::string file;
  std::string destination;

  bool operator==(const UnitFileChange&) const = default;
};

struct EnableResult {
  bool carries_install_info = false;  // the files had WantedBy=/RequiredBy=/Alias=/Also=
  std::vector<UnitFileChange> changes;
};

// systemd's unit object path: "/org/freedesktop/systemd1/unit/a_2eservice" (every byte but
// [A-Za-z0-9], and a leading digit, as _xx; bus_label_escape()).
std::string systemd_unit_path(std::string_view unit_name);

class SystemdManager {
 public:
  // The job mode of StartUnit and StopUnit, as fleet sends them.
  static constexpr const char* kJobMode = "replace";

  explicit SystemdManager(systemd::Bus& bus) : bus_(bus) {}

  // LinkUnitFiles(paths, runtime, force): absolute paths of unit files to link into
  // systemd's search path. Takes effect for the unit table only after reload().
  Expected<std::vector<UnitFileChange>, std::string> link_unit_files(
      const std::vector<std::string>& paths, bool runtime, bool force);
  // EnableUnitFiles(paths, runtime, force): follows the files' [Install] sections.
  Expected<EnableResult, std::string> enable_unit_files(const std::vector<std::string>& paths,
                                                        bool runtime, bool force);
  // DisableUnitFiles(names, runtime): undoes enable_unit_files() and link_unit_files().
  Expected<std::vector<UnitFileChange>, std::string> disable_unit_files(
      const std::vector<std::string>& names, bool runtime);
  // Reload(): systemd's daemon-reload. Returns once systemd has re-read every unit file.
  Expected<void, std::string> reload();
  // StartUnit(name, "replace") / StopUnit(name, "replace"): the queued job's object path.
  // The job runs on after the reply; poll unit_states() for its outcome.
  Expected<std::string, std::string> start_unit(const std::string& name);
  Expected<std::string, std::string> stop_unit(const std::string& name);
  // ResetFailedUnit(name): a failed unit becomes inactive.
  Expected<void, std::string> reset_failed_unit(const std::string& name);

  // One row per name, in `names` order; a unit systemd does not know reads `not-found`
  // (systemd's answer; the fallback asks each unlisted unit's properties). Empty `names`:
  // no call, no rows.
  Expected<std::vector<SystemdUnitStatus>, std::string> list_units_by_names(
      const std::vector<std::string>& names);
  // list_units_by_names() as a map name -> state.
  Expected<std::map<std::string, SystemdUnitState>, std::string> unit_states(
      const std::vector<std::string>& names);

  // True once ListUnitsByNames answered UnknownMethod (systemd < 230).
  bool uses_list_units_fallback() const { return list_units_fallback_; }

 private:
  Expected<std::vector<SystemdUnitStatus>, std::string> list_by_names_call(
      const std::vector<std::string>& names);
  Expected<std::vector<SystemdUnitStatus>, std::string> list_by_fallback(
      const std::vector<std::string>& names);
  SystemdUnitState unit_properties(const std::string& name);  // throws BusError

  systemd::Bus& bus_;
  bool list_units_fallback_ = false;
};

}  // namespace corestack::fleet
