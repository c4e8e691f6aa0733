// The logging facade: one spdlog logger per process, configured once by main().
//
// Daemons log to stderr so journald collects them; when JOURNAL_STREAM is set (we run
// under systemd) timestamps are left out because journald adds its own.
#pragma once

#include <string>

#include <spdlog/spdlog.h>

namespace etcd::log {

struct Options {
  bool debug = false;
  // Program name shown in each line (e.g. "etcd2").
  std::string name = "corestack";
  // When set, overrides the JOURNAL_STREAM detection (for tests).
  bool force_no_timestamps = false;
};

// Installs the process logger. Call once, from main(), before any other thread starts.
void init(const Options& options);

// The pattern init() would use for these inputs; split out so it can be tested.
std::string pattern(bool under_journald);

}  // namespace etcd::log
