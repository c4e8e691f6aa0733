// InstallState: what LinkUnitFiles, EnableUnitFiles and DisableUnitFiles change in real
// systemd (symlinks in /etc/systemd/system, or /run/systemd/system for `runtime`), kept in
// memory instead: which unit name is linked to which file and which units are enabled, per
// scope. The running manager reads it only at Reload (daemon-reload), as systemd reads its
// unit directories only then.
//
// It never writes to the filesystem; it stats linked files and reads them for [Install].
// Errors throw BusError with systemd's error names (fake_systemd_names.h), after applying
// the files before the bad one, as systemd does. One thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agents/systemd/testing/fake_systemd_unit_file.h"

namespace corestack::systemd::testing::fake_systemd {

// One element of the a(sss) every unit-file method returns.
struct Change {
  std::string type;         // "symlink" or "unlink"
  std::string file;         // the symlink, e.g. /run/systemd/system/hello.service
  std::string destination;  // what it points to ("" for unlink)
  bool operator==(const Change&) const = default;
};

class InstallState {
 public:
  struct EnableResult {
    bool carries_install_info = false;  // some file had WantedBy=/RequiredBy=/Alias=/Also=
    std::vector<Change> changes;
  };

  // Each file an absolute path to an existing regular file named like a unit; the unit
  // becomes known under that name. Relinking the same path changes nothing; another path
  // needs `force` (else UnitExists).
  std::vector<Change> link(const std::vector<std::string>& files, bool runtime, bool force);

  // Each file a linked unit name or an absolute path (linked on the way, as systemd does).
  // A unit without install rules is not enabled. Unknown: NoSuchUnit.
  EnableResult enable(const std::vector<std::string>& files, bool runtime, bool force,
                      const HostIds& host);

  // Unit names; removes their enablement and link in the scope. Unknown: NoSuchUnit.
  std::vector<Change> disable(const std::vector<std::string>& names, bool runtime);

  // Every linked unit name and its file; /etc wins over /run, as in systemd's search path.
  std::map<std::string, std::string> linked_units() const;
  bool is_enabled(const std::string& name) const;

  // {"links": {name: {"path", "runtime"}}, "enabled": {name: {"runtime", "symlinks"}}}
  nlohmann::json to_json() const;

 private:
  struct Scope {
    std::map<std::string, std::string> links;                 // unit name -> file
    std::map<std::string, std::vector<std::string>> enabled;  // unit name -> its symlinks
  };

  Scope& scope(bool runtime) { return scopes_[runtime ? 1 : 0]; }
  void link_one(const std::string& file, bool runtime, bool force, std::vector<Change>& changes);
  std::string resolve_for_enable(const std::string& file, bool runtime, bool force,
                                 std::vector<Change>& changes);
  bool enable_one(const std::string& name, const std::string& path, bool runtime,
                  const HostIds& host, std::vector<Change>& changes);
  void disable_one(const std::string& name, bool runtime, std::vector<Change>& changes);
  bool knows(const std::string& name) const;

  Scope scopes_[2];  // [0] persistent (/etc), [1] runtime (/run)
};

}  // namespace corestack::systemd::testing::fake_systemd
