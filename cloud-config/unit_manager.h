// UnitManager: the service manager calls cloudinit makes (reference cloudinit.md §3), as an
// interface so --root runs can leave them out and tests can substitute one. BusUnitManager
// (bus_unit_manager.h) makes them over D-Bus.
#pragma once

#include <string>

namespace corestack::cloudinit {

class UnitManager {
 public:
  virtual ~UnitManager() = default;
  virtual void reload() = 0;  // daemon-reload
  // LinkUnitFiles of a file outside the unit search path (--root runs on a bus only).
  virtual void link(const std::string& path, bool runtime) = 0;
  // EnableUnitFiles([unit], runtime, force); `unit` a name or an absolute path.
  virtual void enable(const std::string& unit, bool runtime) = 0;
  // One of start stop restart reload try-restart reload-or-restart reload-or-try-restart;
  // waits (bounded) for the job and returns its result ("done", "failed", ... or "timeout
  // waiting" when the bound passed). Throws on a D-Bus error.
  virtual std::string run(const std::string& command, const std::string& unit) = 0;
  // A transient service running `/bin/bash <script>`.
  virtual std::string start_transient(const std::string& unit, const std::string& script) = 0;
};

}  // namespace corestack::cloudinit
