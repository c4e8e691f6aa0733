// Unit files as fleet reads, stores and hashes them (docs/fleet.md "Unit files").
//
// Parsing follows go-systemd's unit deserializer as fleet vendored it: text before the
// first section is skipped (a '#' or ';' there starts a comment line); `[Name]` starts a
// section (the name may be anything up to ']', and only whitespace may follow on its
// line); in a section, blank lines are skipped, a line whose first non-blank character is
// '#' or ';' is a comment (continued onto the next line by a trailing '\'), every other
// line is `Name=Value` with both sides trimmed; a value line ending in '\' continues on
// the next line, the backslash becoming one space. Options keep file order, duplicates
// included. A line of 2048 bytes or more is refused ("line too long (max 2048 bytes)").
//
// The canonical form (go-systemd's Serialize) groups options by section in first-seen
// section order: "[S]\n", then "Name=Value\n" per option, a blank line between sections,
// none at the end. The unit hash is the SHA-1 of that form, never of the raw bytes.
//
// Pure value type; no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agents/fleet/expected.h"
#include "agents/fleet/sha1.h"

namespace corestack::fleet {

// go-systemd's SYSTEMD_LINE_MAX.
constexpr std::size_t kUnitLineMax = 2048;

struct UnitOption {
  std::string section;
  std::string name;
  std::string value;

  bool operator==(const UnitOption&) const = default;
};

class UnitFile {
 public:
  UnitFile() = default;
  explicit UnitFile(std::vector<UnitOption> options) : options_(std::move(options)) {}

  // Errors, with go-systemd's texts: "line too long (max 2048 bytes)", "unable to find
  // end of section", "found garbage after section name X: ...", "unexpected newline
  // encountered while parsing option name", "unexpected end of file while parsing
  // option name".
  static Expected<UnitFile, std::string> parse(std::string_view raw);

  const std::vector<UnitOption>& options() const { return options_; }

  // The canonical serialisation; "" for a unit without options.
  std::string serialize() const;
  // SHA-1 of serialize().
  UnitHash hash() const;

  // Every value of `name` in `section`, in file order. In [X-Fleet] a value that starts
  // and ends with '"' holds several (split_multivalue); elsewhere each option is one.
  std::vector<std::string> values(std::string_view section, std::string_view name) const;
  // The [X-Fleet] option names in first-seen order, each once.
  std::vector<std::string> option_names(std::string_view section) const;
  bool has_section(std::string_view section) const;
  // The first [Unit] Description=, or "".
  std::string description() const;

  bool operator==(const UnitFile&) const = default;

 private:
  std::vector<UnitOption> options_;
};

// fleet's parseMultivalueLine: `"a=b" "c=d"` -> {a=b, c=d}. Only for a value that starts
// and ends with '"'; otherwise the value itself. Quotes toggle "inside"; a space outside
// quotes ends a value; quotes are dropped (so `"foo\"bar"` yields `foo\bar`).
std::vector<std::string> split_multivalue(std::string_view value);

}  // namespace corestack::fleet
