// Validation entries as coreos-cloudinit prints them: `line <n>: <kind>: <message>`, kinds
// error, warning and info (reference cloudinit.md §4).
#pragma once

#include <string>
#include <vector>

namespace corestack::cloudinit {

enum class Severity { Error, Warning, Info };

struct Entry {
  int line = 0;
  Severity severity = Severity::Error;
  std::string message;
};

class Report {
 public:
  void error(int line, std::string message) { add(line, Severity::Error, std::move(message)); }
  void warning(int line, std::string message) { add(line, Severity::Warning, std::move(message)); }
  void info(int line, std::string message) { add(line, Severity::Info, std::move(message)); }
  void add(int line, Severity severity, std::string message);

  // Stable-sorted by line, the order they are printed in.
  std::vector<Entry> sorted() const;
  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  bool has_errors() const;

 private:
  std::vector<Entry> entries_;
};

// "line 4: error: invalid value foo"
std::string format_entry(const Entry& entry);

}  // namespace corestack::cloudinit
