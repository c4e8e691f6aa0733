// ActionLog: one line per thing cloudinit does to the host, in order (docs/cloud-config.md,
// "Actions log"): "write <path> <mode> [<owner>]", "mask <path>", "unmask <path>",
// "link <path>", "enable <unit>", "enable-runtime <unit>", "daemon-reload",
// "<command> <unit>", "start-transient <unit> <argv...>", "exec <argv...>" followed by
// "  | <line>" for each line of its standard input. Saved to <root><workspace>/actions, so
// a --root run shows exactly what a config would do.
#pragma once

#include <string>
#include <vector>

namespace corestack::cloudinit {

class ActionLog {
 public:
  void add(std::string line) { lines_.push_back(std::move(line)); }
  const std::vector<std::string>& lines() const { return lines_; }
  std::string text() const {
    std::string out;
    for (const auto& l : lines_)
      out += l + "\n";
    return out;
  }

 private:
  std::vector<std::string> lines_;
};

}  // namespace corestack::cloudinit
