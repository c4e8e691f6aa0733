#include "agents/locksmith/broadcast.h"

#include <fcntl.h>
#include <unistd.h>
#include <utmpx.h>

#include <cstring>
#include <set>

namespace corestack::locksmith {
namespace {

std::string padded_line(std::string_view text) {
  std::string line = "\a" + std::string(text);
  if (line.size() < 79) line.append(79 - line.size(), ' ');
  return line + "\a\r\n";
}

// Terminal lines of the user sessions in utmp, without duplicates.
std::set<std::string> user_terminals(const std::string& utmp_path) {
  std::set<std::string> lines;
  if (!utmp_path.empty() && utmpxname(utmp_path.c_str()) != 0) return lines;
  setutxent();
  while (const utmpx* entry = getutxent()) {
    if (entry->ut_type != USER_PROCESS || entry->ut_line[0] == '\0') continue;
    std::string line(entry->ut_line, strnlen(entry->ut_line, sizeof(entry->ut_line)));
    if (line.find('/') == std::string::npos || line.rfind("pts/", 0) == 0) {
      lines.insert(line);
    }
  }
  endutxent();
  return lines;
}

}  // namespace

std::string reboot_broadcast_text(TimePoint now) {
  return "\r\n" + padded_line("Broadcast message from locksmithd at " + format_go_time(now) + ":") +
         padded_line("") + padded_line("System reboot in 5 minutes!") + "\r\n";
}

int broadcast_to_terminals(std::string_view text, const std::string& utmp_path) {
  int reached = 0;
  for (const auto& line : user_terminals(utmp_path)) {
    const std::string device = "/dev/" + line;
    int fd = ::open(device.c_str(), O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    if (::write(fd, text.data(), text.size()) > 0) ++reached;
    ::close(fd);
  }
  return reached;
}

}  // namespace corestack::locksmith
