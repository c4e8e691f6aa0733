// Regex matching for untrusted user-data. libstdc++'s std::regex recurses once per input
// character and backtracks, so a long value could exhaust the stack or run for ages; every
// value the validator matches is short when legitimate, so longer ones simply do not match.
#pragma once

#include <regex>
#include <string>

namespace corestack::cloudinit {

inline constexpr size_t kMaxMatchedLength = 1024;

bool bounded_match(const std::string& text, const std::regex& pattern,
                   size_t max_length = kMaxMatchedLength);

// A value as messages show it: at most 80 bytes, then "...".
std::string shown(const std::string& value);

}  // namespace corestack::cloudinit
