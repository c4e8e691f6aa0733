// The raft core logs through this interface so it stays free of any logging library.
// Lines start with the node id and term, so logs of many nodes interleave readably.
#pragma once

#include <string_view>

namespace etcd::raft {

enum class LogLevel { debug, info, warn, error };

class Logger {
 public:
  virtual ~Logger() = default;
  virtual void log(LogLevel level, std::string_view line) = 0;
};

}  // namespace etcd::raft
