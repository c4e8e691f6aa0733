// One coreos-cloudinit run after the command line is parsed (main.cc): fetch the
// user-data, validate or apply it, save the actions log. Returns the exit status.
#pragma once

#include <chrono>
#include <string>

namespace corestack::cloudinit {

struct RunOptions {
  std::string from_file;
  std::string from_url;
  bool from_proc_cmdline = false;
  std::string proc_cmdline = "/proc/cmdline";
  std::string from_configdrive;
  std::string root = "/";
  std::string workspace = "/var/lib/coreos-cloudinit";
  std::string ssh_key_name = "coreos-cloudinit";
  std::string bus;       // "" : the system bus (only used when root is "/")
  bool use_bus = false;  // --bus given
  bool ignore_failure = false;
  bool validate = false;
  std::chrono::milliseconds fetch_timeout{300000};
  std::chrono::milliseconds job_timeout{60000};

  bool has_source() const {
    return !from_file.empty() || !from_url.empty() || from_proc_cmdline ||
           !from_configdrive.empty();
  }
};

int run(const RunOptions& options);

}  // namespace corestack::cloudinit
