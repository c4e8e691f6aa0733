// Go's path.Match, which fleet uses for Conflicts= and Replaces= globs: `*` matches any run
// of non-'/' bytes, `?` one non-'/' rune, `[...]` / `[^...]` a rune class with ranges `a-z`,
// `\` escapes the next character. The whole name must match.
//
// Pure. A malformed pattern (unclosed class, trailing `\`, empty range end) is an error,
// which fleet's globMatches treats as "no match"; glob_matches does the same.
#pragma once

#include <string>
#include <string_view>

#include "agents/fleet/expected.h"

namespace corestack::fleet {

// path.Match(pattern, name). The error is "syntax error in pattern" (path.ErrBadPattern).
// As in Go, an error may go unnoticed when the name fails to match before the bad part
// of the pattern is reached.
Expected<bool, std::string> path_match(std::string_view pattern, std::string_view name);

// path_match with a malformed pattern counted as no match (fleet's globMatches).
bool glob_matches(std::string_view pattern, std::string_view name);

}  // namespace corestack::fleet
