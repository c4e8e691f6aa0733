#include "cloud-config/report.h"

#include <algorithm>

namespace corestack::cloudinit {

void Report::add(int line, Severity severity, std::string message) {
  entries_.push_back({line, severity, std::move(message)});
}

std::vector<Entry> Report::sorted() const {
  std::vector<Entry> out = entries_;
  std::stable_sort(out.begin(), out.end(),
                   [](const Entry& a, const Entry& b) { return a.line < b.line; });
  return out;
}

bool Report::has_errors() const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [](const Entry& e) { return e.severity == Severity::Error; });
}

std::string format_entry(const Entry& entry) {
  const char* kind = entry.severity == Severity::Error     ? "error"
                     : entry.severity == Severity::Warning ? "warning"
                                                           : "info";
  return "line " + std::to_string(entry.line) + ": " + kind + ": " + entry.message;
}

}  // namespace corestack::cloudinit
