#include "etcd/common/log.h"

#include <cstdlib>
#include <memory>

#include <spdlog/sinks/stdout_sinks.h>

namespace etcd::log {

std::string pattern(bool under_journald) {
  // journald stamps every line itself; outside it a precise UTC time helps correlate members.
  if (under_journald) return "%n: %l: %v";
  return "%Y-%m-%d %H:%M:%S.%f %n: %l: %v";
}

void init(const Options& options) {
  const bool under_journald = options.force_no_timestamps || std::getenv("JOURNAL_STREAM");
  auto logger = std::make_shared<spdlog::logger>(
      options.name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern(pattern(under_journald));
  logger->set_level(options.debug ? spdlog::level::debug : spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace etcd::log
