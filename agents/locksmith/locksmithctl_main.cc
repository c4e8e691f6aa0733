// locksmithctl: main() gives run_ctl (ctl.h) the process's argv, environment, streams and
// the host below.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "agents/locksmith/ctl.h"
#include "agents/locksmith/host_bus.h"

namespace {

using corestack::locksmith::Expected;
using corestack::locksmith::unexpected;

// reboot and send-need-reboot over the system bus ($DBUS_SYSTEM_BUS_ADDRESS when set).
class ProcessHost : public corestack::locksmith::CtlHost {
 public:
  bool is_root() override { return ::geteuid() == 0; }
  Expected<void, std::string> reboot() override {
    try {
      auto bus = corestack::systemd::Bus::open_system();
      corestack::locksmith::logind_reboot(bus);
    } catch (const corestack::systemd::BusError& e) {
      return unexpected(std::string("Error requesting reboot from logind: ") + e.what());
    }
    return {};
  }
  Expected<void, std::string> send_need_reboot() override {
    try {
      auto bus = corestack::systemd::Bus::open_system();
      corestack::locksmith::send_need_reboot(bus);
    } catch (const corestack::systemd::BusError& e) {
      return unexpected(std::string("error sending the signal on the system bus: ") + e.what());
    }
    return {};
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  auto env = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  ProcessHost host;
  int code = corestack::locksmith::run_ctl(args, env, std::cout, std::cerr, host);
  std::cout.flush();
  return code;
}
