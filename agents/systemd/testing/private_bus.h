// PrivateBus: a throwaway dbus-daemon for tests, listening on a UNIX socket in a fresh
// temporary directory, with a policy that lets any local user own any name and send
// anything. Point a Bus at it with Bus::open_address(address()), or a child process with
// DBUS_SYSTEM_BUS_ADDRESS=address() (Bus::open_system() honours it).
//
// The constructor returns once the daemon accepts connections (bounded by a deadline, no
// fixed sleeps); the destructor kills the daemon and removes the directory.
// Threading: construct and destroy on one thread.
#pragma once

#include <sys/types.h>

#include <string>

namespace corestack::systemd::testing {

class PrivateBus {
 public:
  // True when `dbus-daemon` is on PATH; tests GTEST_SKIP otherwise.
  static bool daemon_available();

  // Throws std::runtime_error (with the daemon's exit status, if it died) when the daemon
  // does not start and accept connections within 10 s.
  PrivateBus();
  PrivateBus(const PrivateBus&) = delete;
  PrivateBus& operator=(const PrivateBus&) = delete;
  ~PrivateBus();

  // "unix:path=<dir>/bus,guid=..." as the daemon printed it.
  const std::string& address() const { return address_; }
  const std::string& socket_path() const { return socket_path_; }
  const std::string& directory() const { return directory_; }
  pid_t pid() const { return pid_; }

 private:
  void write_config() const;
  void spawn(int address_fd);
  void wait_until_ready(int address_read_fd);
  void stop();
  std::string log_path() const;
  std::string daemon_log() const;  // "; dbus-daemon said: ..." or ""

  std::string directory_;
  std::string socket_path_;
  std::string address_;
  pid_t pid_ = -1;
};

}  // namespace corestack::systemd::testing
