// Forwards the raft core's log lines to the process logger (spdlog).
#pragma once

#include <spdlog/spdlog.h>

#include "etcd/raft/logger.h"

namespace etcd::server {

class RaftLogger final : public raft::Logger {
 public:
  void log(raft::LogLevel level, std::string_view line) override {
    switch (level) {
      case raft::LogLevel::debug: spdlog::debug("raft: {}", line); break;
      case raft::LogLevel::info: spdlog::info("raft: {}", line); break;
      case raft::LogLevel::warn: spdlog::warn("raft: {}", line); break;
      case raft::LogLevel::error: spdlog::error("raft: {}", line); break;
    }
  }
};

}  // namespace etcd::server
