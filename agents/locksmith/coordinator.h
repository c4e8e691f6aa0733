// Coordinator: locksmithd's claim to be the host's update coordinator, in
// /run/update-engine/coordinator.conf (docs/locksmith.md "coordinator.conf"). The file holds
// NAME=locksmithd, STRATEGY=<strategy> and STATE=<state> lines; this process keeps an
// exclusive flock on it for its whole life, so a second coordinator fails at start. Every
// update is written to a temporary file in the same directory, locked, then renamed over
// the old one: readers never see a half-written file, and the lock moves with the file.
#pragma once

#include <string>
#include <string_view>

namespace corestack::locksmith {

class Coordinator {
 public:
  // Creates the directory (0755) and the file (0644) and takes the lock; throws
  // std::runtime_error naming the path when another process holds it or on an I/O error.
  Coordinator(std::string path, std::string strategy);
  ~Coordinator();
  Coordinator(const Coordinator&) = delete;
  Coordinator& operator=(const Coordinator&) = delete;

  // Writes STATE=<state> (starting, running, reboot-planned, rebooting); throws
  // std::runtime_error on an I/O error.
  void set_state(std::string_view state);

  const std::string& path() const { return path_; }

 private:
  std::string contents(std::string_view state) const;

  std::string path_;
  std::string strategy_;
  int fd_ = -1;  // the locked file
};

}  // namespace corestack::locksmith
