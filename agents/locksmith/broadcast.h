// Warning logged-in users before a reboot, as wall(1) does: a message to every terminal
// with a user session in utmp. locksmithd delays the reboot when anyone could read it.
#pragma once

#include <string>
#include <string_view>

#include "agents/locksmith/window.h"

namespace corestack::locksmith {

// The reference's text: "Broadcast message from locksmithd at <time>:" and "System reboot
// in 5 minutes!", each line padded to 79 columns between bell characters.
std::string reboot_broadcast_text(TimePoint now);

// Writes `text` to /dev/<line> of every USER_PROCESS entry in the utmp file at
// `utmp_path` (empty: the system's). Returns how many terminals took it; terminals that
// cannot be opened are skipped (no error: nobody is reading there).
int broadcast_to_terminals(std::string_view text, const std::string& utmp_path = "");

}  // namespace corestack::locksmith
