#include "agents/systemd/notify.h"

#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <string>
#include <system_error>

namespace corestack::systemd {

bool notify(std::string_view state) {
  const std::string text(state);
  const int r = sd_notify(0, text.c_str());
  if (r < 0) {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    throw std::system_error(
        -r, std::generic_category(),
        "sd_notify(\"" + text + "\") to NOTIFY_SOCKET=" + (socket != nullptr ? socket : ""));
  }
  return r > 0;
}

bool notify_ready() {
  return notify("READY=1");
}

}  // namespace corestack::systemd
