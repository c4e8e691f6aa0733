// go_json_quote: a string as Go's json.Marshal writes it — HTML-safe (<, >, & as \u003c...),
// other controls as \u00XX, invalid UTF-8 bytes as \ufffd, U+2028/U+2029 escaped. The
// agents write etcd values and API bodies that Go programs compare byte for byte.
// Header-only, shared by every agent.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace corestack::agents {
namespace go_json_detail {

inline constexpr char kHex[] = "0123456789abcdef";

inline bool in_range(unsigned char c, unsigned char lo, unsigned char hi) {
  return c >= lo && c <= hi;
}

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is invalid (Go's
// utf8.DecodeRuneInString returns RuneError with size 1 there).
inline size_t utf8_length(std::string_view text, size_t i) {
  auto at = [&](size_t k) -> unsigned char {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
  };
  unsigned char c = at(0);
  unsigned char lo = 0x80, hi = 0xBF;
  size_t n = 0;
  if (in_range(c, 0xC2, 0xDF)) {
    n = 2;
  } else if (in_range(c, 0xE0, 0xEF)) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
  } else if (in_range(c, 0xF0, 0xF4)) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (!in_range(at(1), lo, hi)) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (!in_range(at(k), 0x80, 0xBF)) return 0;
  }
  return n;
}

inline void append_ascii(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
    case '\\':
      out += '\\';
      out += static_cast<char>(c);
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      break;
  }
  // Controls, and <, > and & (json.Marshal escapes HTML by default).
  if (c < 0x20 || c == '<' || c == '>' || c == '&') {
    out += "\\u00";
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
    return;
  }
  out += static_cast<char>(c);
}
}  // namespace go_json_detail

inline std::string go_json_quote(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      go_json_detail::append_ascii(out, c);
      ++i;
      continue;
    }
    size_t n = go_json_detail::utf8_length(text, i);
    if (n == 0) {
      out += "\\ufffd";  // Go replaces each invalid byte
      ++i;
      continue;
    }
    std::string_view rune = text.substr(i, n);
    if (rune == "\xE2\x80\xA8" || rune == "\xE2\x80\xA9") {
      out += rune == "\xE2\x80\xA8" ? "\\u2028" : "\\u2029";  // JSONP-safe, as Go
    } else {
      out += rune;
    }
    i += n;
  }
  out += '"';
  return out;
}

}  // namespace corestack::agents
