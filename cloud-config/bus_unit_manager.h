// BusUnitManager: UnitManager over org.freedesktop.systemd1 (systemd's D-Bus API). Job
// commands are submitted with mode "replace" and then waited for, JobRemoved first, for at
// most `job_timeout` each: past it cloudinit logs and moves on to the next command, so a unit
// that orders itself after cloudinit's own target cannot deadlock boot (coreos/bugs#723,
// #1562). Commands still run one after another in list order. A job whose object is gone
// without a JobRemoved seen (a manager that sends no signals) counts as finished.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "agents/systemd/bus.h"
#include "cloud-config/unit_manager.h"

namespace corestack::cloudinit {

class BusUnitManager : public UnitManager {
 public:
  BusUnitManager(systemd::Bus& bus, std::chrono::milliseconds job_timeout);

  void reload() override;
  void link(const std::string& path, bool runtime) override;
  void enable(const std::string& unit, bool runtime) override;
  std::string run(const std::string& command, const std::string& unit) override;
  std::string start_transient(const std::string& unit, const std::string& script) override;

 private:
  std::string wait_for_job(const std::string& job);
  bool job_gone(const std::string& job);

  systemd::Bus& bus_;
  std::chrono::milliseconds job_timeout_;
  std::map<std::string, std::string> removed_;  // job path -> result, from JobRemoved
  systemd::Slot job_removed_;
};

}  // namespace corestack::cloudinit
