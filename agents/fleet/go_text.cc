#include "agents/fleet/go_text.h"

#include <algorithm>
#include <cctype>

namespace corestack::fleet {
namespace {

constexpr char kHex[] = "0123456789abcdef";

bool in_range(unsigned char c, unsigned char lo, unsigned char hi) {
  return c >= lo && c <= hi;
}

// Length of the UTF-8 sequence a lead byte announces, with the range its second byte must
// fall in (overlongs, surrogates and values past U+10FFFF are invalid, as in Go).
std::size_t sequence_length(unsigned char c, unsigned char& lo, unsigned char& hi) {
  lo = 0x80;
  hi = 0xBF;
  if (in_range(c, 0xC2, 0xDF)) return 2;
  if (in_range(c, 0xE0, 0xEF)) {
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
    return 3;
  }
  if (in_range(c, 0xF0, 0xF4)) {
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
    return 4;
  }
  return 0;
}

// Go's unicode.IsPrint for what fleet's messages meet: ASCII graphic and space, and every
// valid non-ASCII rune except the C1 controls and the Unicode space separators. (Go also
// treats unassigned code points as non-printable; names never contain those.)
bool is_go_printable(char32_t r) {
  if (r < 0x80) return r >= 0x20 && r != 0x7F;
  if (r < 0xA0 || r == 0xAD) return false;
  return !is_go_space(r);  // U+0020 is the only printable space
}

void append_hex(std::string& out, char32_t r, int digits) {
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
    out += kHex[(r >> shift) & 0xF];
}

// Go's one-letter escapes, or nullptr.
const char* short_escape(char32_t r) {
  switch (r) {
    case '\a':
      return "\\a";
    case '\b':
      return "\\b";
    case '\f':
      return "\\f";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    case '\v':
      return "\\v";
    default:
      return nullptr;
  }
}

// strconv's escaping of one rune inside quotes `quote`.
void append_quoted_rune(std::string& out, char32_t r, char quote) {
  if (r == static_cast<char32_t>(quote) || r == '\\') {
    out += '\\';
    out += static_cast<char>(r);
    return;
  }
  if (is_go_printable(r)) {
    out += encode_rune(r);
    return;
  }
  if (const char* escape = short_escape(r)) {
    out += escape;
    return;
  }
  if (r < 0x20 || r == 0x7F) {
    out += "\\x";
    append_hex(out, r, 2);
  } else if (r < 0x10000) {
    out += "\\u";
    append_hex(out, r, 4);
  } else {
    out += "\\U";
    append_hex(out, r, 8);
  }
}

}  // namespace

Rune decode_rune(std::string_view text) {
  if (text.empty()) return Rune{kRuneError, 0};
  auto c = static_cast<unsigned char>(text[0]);
  if (c < 0x80) return Rune{c, 1};
  unsigned char lo = 0, hi = 0;
  std::size_t n = sequence_length(c, lo, hi);
  if (n == 0 || text.size() < n) return Rune{kRuneError, 1};
  if (!in_range(static_cast<unsigned char>(text[1]), lo, hi)) return Rune{kRuneError, 1};
  char32_t r = c & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) {
    auto b = static_cast<unsigned char>(text[k]);
    if (!in_range(b, 0x80, 0xBF)) return Rune{kRuneError, 1};
    r = (r << 6) | (b & 0x3F);
  }
  return Rune{r, n};
}

std::string encode_rune(char32_t r) {
  if ((r >= 0xD800 && r <= 0xDFFF) || r > 0x10FFFF) r = kRuneError;
  std::string out;
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xC0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xE0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  }
  return out;
}

bool is_go_space(char32_t r) {
  switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

std::string_view go_trim_space(std::string_view text) {
  while (!text.empty()) {
    Rune r = decode_rune(text);
    if (!is_go_space(r.value)) break;
    text.remove_prefix(r.size);
  }
  while (!text.empty()) {
    // Walk back to the start of the last rune (at most 4 bytes).
    std::size_t start = text.size() - 1;
    while (start > 0 && text.size() - start < 4 &&
           (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
      --start;
    }
    Rune r = decode_rune(text.substr(start));
    if (r.size != text.size() - start) r = Rune{kRuneError, 1};
    if (!is_go_space(r.value)) break;
    text.remove_suffix(r.size);
  }
  return text;
}

std::string go_quote(std::string_view text) {
  std::string out = "\"";
  while (!text.empty()) {
    Rune r = decode_rune(text);
    if (r.value == kRuneError && r.size == 1) {
      out += "\\x";  // an invalid byte is shown as itself
      append_hex(out, static_cast<unsigned char>(text[0]), 2);
    } else {
      append_quoted_rune(out, r.value, '"');
    }
    text.remove_prefix(r.size);
  }
  return out + '"';
}

std::string go_quote_rune(char32_t r) {
  if ((r >= 0xD800 && r <= 0xDFFF) || r > 0x10FFFF) r = kRuneError;
  std::string out = "'";
  append_quoted_rune(out, r, '\'');
  return out + '\'';
}

bool equal_fold(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace corestack::fleet
