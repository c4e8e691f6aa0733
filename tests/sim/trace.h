// Trace: the simulator's story of one run, one line per event (ticks, deliveries and drops,
// crashes, role changes, client operations, raft's own log lines). Off by default, because
// formatting costs more than the simulation; `raft_sim --trace` turns it on. Two runs of one
// seed must produce byte-identical traces, which is how determinism is tested.
// Single-threaded; owned by one World.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "etcd/raft/logger.h"
#include "etcd/raft/types.h"

namespace etcd::sim {

class Trace {
 public:
  explicit Trace(bool enabled) : enabled_(enabled) {}

  bool enabled() const { return enabled_; }
  // Text so far: lines of the form "t=<tick> <event>\n".
  const std::string& text() const { return text_; }

  template <typename... Args>
  void add(uint64_t tick, fmt::format_string<Args...> format, Args&&... args) {
    if (!enabled_) return;
    fmt::format_to(std::back_inserter(text_), "t={} ", tick);
    fmt::format_to(std::back_inserter(text_), format, std::forward<Args>(args)...);
    text_.push_back('\n');
  }

 private:
  bool enabled_;
  std::string text_;
};

// A raft::Logger that appends raft's lines to the trace, stamped with the current tick.
class TraceLogger final : public raft::Logger {
 public:
  TraceLogger(Trace& trace, const uint64_t& now_tick) : trace_(trace), now_tick_(now_tick) {}
  void log(raft::LogLevel level, std::string_view line) override;

 private:
  Trace& trace_;
  const uint64_t& now_tick_;
};

// One-line renderings for trace lines and failure reports.
std::string describe(const raft::Message& message);
std::string describe(const raft::Entry& entry);
std::string describe(const raft::ConfState& state);
std::string describe_entries(const std::vector<raft::Entry>& entries);

}  // namespace etcd::sim
