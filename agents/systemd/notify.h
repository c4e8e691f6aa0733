// sd_notify(3) for the agents' units (Type=notify): tell systemd the service is ready, or
// send any other state line ("STATUS=...", "WATCHDOG=1", "STOPPING=1").
// Threading: any thread.
#pragma once

#include <string_view>

namespace corestack::systemd {

// Sends `state` (newline-separated KEY=value lines) to $NOTIFY_SOCKET. Returns true when
// sent, false when NOTIFY_SOCKET is unset (not run by systemd). A set but unusable socket
// throws std::system_error naming the socket.
bool notify(std::string_view state);
// notify("READY=1").
bool notify_ready();

}  // namespace corestack::systemd
