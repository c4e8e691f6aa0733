#include "cloud-config/bus_unit_manager.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <stdexcept>
#include <vector>

namespace corestack::cloudinit {
namespace {

constexpr const char* kService = "org.freedesktop.systemd1";
constexpr const char* kPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
constexpr auto kProbeInterval = std::chrono::milliseconds(200);

const std::map<std::string, std::string>& methods() {
  static const std::map<std::string, std::string> kMethods = {
      {"start", "StartUnit"},
      {"stop", "StopUnit"},
      {"restart", "RestartUnit"},
      {"reload", "ReloadUnit"},
      {"try-restart", "TryRestartUnit"},
      {"reload-or-restart", "ReloadOrRestartUnit"},
      {"reload-or-try-restart", "ReloadOrTryRestartUnit"},
  };
  return kMethods;
}

}  // namespace

BusUnitManager::BusUnitManager(systemd::Bus& bus, std::chrono::milliseconds job_timeout)
    : bus_(bus), job_timeout_(job_timeout) {
  job_removed_ = bus_.match_signal(kService, kPath, kManager, "JobRemoved", [this](auto& m) {
    uint32_t id = 0;
    std::string job, unit, result;
    m.read(id, job, unit, result);
    removed_[job] = result;
  });
  try {
    bus_.call_method(kService, kPath, kManager, "Subscribe");  // systemd signals subscribers only
  } catch (const systemd::BusError& e) {
    spdlog::warn("Subscribe failed ({}); job results will be probed instead", e.what());
  }
}

// As systemctl daemon-reload (DAEMON_RELOAD_TIMEOUT_SEC): a reload re-reads every unit and
// can take far longer than a bus call's default 25 s on a busy or emulated host (seen in
// five TCG VMs on two cores), and giving up leaves the host's units half applied.
void BusUnitManager::reload() {
  systemd::Message m = bus_.new_method_call(kService, kPath, kManager, "Reload");
  bus_.call(m, std::chrono::minutes(6));
}

void BusUnitManager::link(const std::string& path, bool runtime) {
  bus_.call_method(kService, kPath, kManager, "LinkUnitFiles", std::vector<std::string>{path},
                   runtime, true);
}

void BusUnitManager::enable(const std::string& unit, bool runtime) {
  bus_.call_method(kService, kPath, kManager, "EnableUnitFiles", std::vector<std::string>{unit},
                   runtime, true);
}

std::string BusUnitManager::run(const std::string& command, const std::string& unit) {
  const auto it = methods().find(command);
  if (it == methods().end()) throw std::runtime_error("unknown unit command " + command);
  systemd::Message reply =
      bus_.call_method(kService, kPath, kManager, it->second, unit, std::string("replace"));
  std::string job;
  reply.read(job);
  return wait_for_job(job);
}

std::string BusUnitManager::start_transient(const std::string& unit, const std::string& script) {
  systemd::Message call = bus_.new_method_call(kService, kPath, kManager, "StartTransientUnit");
  call.append(unit, std::string("replace"));
  call.open('a', "(sv)");
  call.open('r', "sv").append("Description");
  call.open('v', "s").append("Unit generated and executed by coreos-cloudinit").close();
  call.close();
  call.open('r', "sv").append("ExecStart");
  call.open('v', "a(sasb)").open('a', "(sasb)").open('r', "sasb");
  call.append(std::string("/bin/bash"), std::vector<std::string>{"/bin/bash", script}, false);
  call.close().close().close();
  call.close();
  call.close();
  call.open('a', "(sa(sv))").close();
  systemd::Message reply = bus_.call(call);
  std::string job;
  reply.read(job);
  return wait_for_job(job);
}

bool BusUnitManager::job_gone(const std::string& job) {
  try {
    bus_.call_method(kService, job, "org.freedesktop.DBus.Properties", "Get",
                     std::string("org.freedesktop.systemd1.Job"), std::string("State"));
    return false;
  } catch (const systemd::BusError& e) {
    const std::string name = e.name;
    return name == "org.freedesktop.DBus.Error.UnknownObject" ||
           name == "org.freedesktop.systemd1.NoSuchJob" ||
           name == "org.freedesktop.DBus.Error.UnknownMethod";
  }
}

std::string BusUnitManager::wait_for_job(const std::string& job) {
  const auto deadline = std::chrono::steady_clock::now() + job_timeout_;
  while (true) {
    const auto now = std::chrono::steady_clock::now();
    const auto slice =
        std::min<std::chrono::steady_clock::duration>(kProbeInterval, deadline - now);
    if (bus_.run_until([&] { return removed_.count(job) > 0; },
                       std::chrono::duration_cast<std::chrono::microseconds>(slice))) {
      std::string result = removed_[job];
      removed_.erase(job);
      return result;
    }
    if (job_gone(job)) return "done (no JobRemoved signal)";
    if (std::chrono::steady_clock::now() >= deadline) return "timeout waiting";
  }
}

}  // namespace corestack::cloudinit
