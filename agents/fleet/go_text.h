// The handful of Go text behaviours fleet's wire formats and messages depend on: UTF-8
// decoding as utf8.DecodeRuneInString, unicode.IsSpace and strings.TrimSpace,
// strconv.Quote / QuoteRune (the `%q` in fleet's error messages), encoding/json's string
// escaping, and strings.EqualFold for ASCII (json.Unmarshal's field matching).
//
// Pure functions on bytes; no locale, no allocation beyond the returned strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agents/common/go_json.h"

namespace corestack::fleet {

// One decoded rune. An invalid or truncated sequence decodes as U+FFFD with size 1, an
// empty input as U+FFFD with size 0 (Go's utf8.DecodeRuneInString).
struct Rune {
  char32_t value = 0;
  std::size_t size = 0;
};
constexpr char32_t kRuneError = 0xFFFD;

Rune decode_rune(std::string_view text);

// UTF-8 encoding of `r` (U+FFFD for surrogates and values past U+10FFFF).
std::string encode_rune(char32_t r);

// unicode.IsSpace: '\t' '\n' '\v' '\f' '\r' ' ', U+0085, U+00A0 and the Unicode Z-space
// runes (U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000).
bool is_go_space(char32_t r);

// strings.TrimSpace: strips leading and trailing runes for which is_go_space holds.
std::string_view go_trim_space(std::string_view text);

// strconv.Quote: "..." with Go escapes for '"', '\\', controls and non-printable runes.
std::string go_quote(std::string_view text);

// strconv.QuoteRune: 'x' with Go escapes.
std::string go_quote_rune(char32_t r);

// A Go encoding/json string literal: agents/common/go_json.h.
using agents::go_json_quote;

// ASCII case-insensitive equality (enough for fleet's ASCII field names).
bool equal_fold(std::string_view a, std::string_view b);

}  // namespace corestack::fleet
