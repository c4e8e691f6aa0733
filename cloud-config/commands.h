// CommandRunner: the host programs cloudinit runs for accounts and the hostname (useradd,
// chpasswd, update-ssh-keys, hostnamectl). ProcessRunner runs them; RecordingRunner (for
// --root) only records them. Both log "exec <argv>" and the lines fed to stdin.
#pragma once

#include <string>
#include <vector>

#include "cloud-config/action_log.h"

namespace corestack::cloudinit {

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Throws std::runtime_error when the command cannot run or exits non-zero.
  virtual void run(const std::vector<std::string>& argv, const std::string& input = "") = 0;
};

void record_command(ActionLog& log, const std::vector<std::string>& argv, const std::string& input);

class RecordingRunner : public CommandRunner {
 public:
  explicit RecordingRunner(ActionLog& log) : log_(log) {}
  void run(const std::vector<std::string>& argv, const std::string& input) override {
    record_command(log_, argv, input);
  }

 private:
  ActionLog& log_;
};

class ProcessRunner : public CommandRunner {
 public:
  explicit ProcessRunner(ActionLog& log) : log_(log) {}
  void run(const std::vector<std::string>& argv, const std::string& input) override;

 private:
  ActionLog& log_;
};

}  // namespace corestack::cloudinit
