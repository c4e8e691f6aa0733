#include "agents/locksmith/semaphore.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include <nlohmann/json.hpp>

namespace corestack::locksmith {
namespace {

using Json = nlohmann::ordered_json;

constexpr char kHex[] = "0123456789abcdef";

// Go int arithmetic wraps on overflow; signed overflow is undefined in C++.
int64_t wrapping_sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}

bool in_range(unsigned char c, unsigned char lo, unsigned char hi) {
  return c >= lo && c <= hi;
}

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is invalid (Go's
// utf8.DecodeRuneInString returns RuneError with size 1 there).
size_t utf8_length(std::string_view text, size_t i) {
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

void append_ascii(std::string& out, unsigned char c) {
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

std::string json_type_name(const Json& v) {
  if (v.is_string()) return "string";
  if (v.is_number()) return "number";
  if (v.is_boolean()) return "bool";
  if (v.is_array()) return "array";
  return "object";
}

SemaphoreError decode_error(std::string message) {
  return SemaphoreError{SemaphoreErrorKind::decode, std::move(message)};
}

SemaphoreError type_error(const Json& v, const std::string& field, const char* go_type) {
  std::string what = json_type_name(v);
  if (v.is_number()) what += " " + v.dump();
  return decode_error("json: cannot unmarshal " + what + " into Go struct field Semaphore." +
                      field + " of type " + go_type);
}

Expected<Done, SemaphoreError> decode_int(const Json& v, const std::string& field, int64_t& out) {
  if (v.is_null()) return Done{};  // Go: null leaves the field as it was
  // nlohmann keeps non-negative integers unsigned; above int64 they do not fit Go's int.
  bool fits = v.is_number_integer() &&
              !(v.is_number_unsigned() &&
                v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
  if (!fits) return unexpected(type_error(v, field, "int"));
  out = v.get<int64_t>();
  return Done{};
}

Expected<Done, SemaphoreError> decode_holders(const Json& v, Semaphore& s) {
  if (v.is_null()) {
    s.holders.clear();
    s.holders_null = true;
    return Done{};
  }
  if (!v.is_array()) return unexpected(type_error(v, "holders", "[]string"));
  std::vector<std::string> holders;
  for (const Json& item : v) {
    if (item.is_null()) {
      holders.emplace_back();  // Go: null into a string element leaves ""
    } else if (item.is_string()) {
      holders.push_back(item.get<std::string>());
    } else {
      return unexpected(type_error(item, "holders", "string"));
    }
  }
  s.holders = std::move(holders);
  s.holders_null = false;
  return Done{};
}

bool equal_fold(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Go decodes object members in document order; a later duplicate overwrites.
Expected<Done, SemaphoreError> decode_member(const std::string& key, const Json& v, Semaphore& s) {
  if (equal_fold(key, "semaphore")) return decode_int(v, "semaphore", s.semaphore);
  if (equal_fold(key, "max")) return decode_int(v, "max", s.max);
  if (equal_fold(key, "holders")) return decode_holders(v, s);
  return Done{};  // unknown fields (e.g. "index") are ignored
}

std::string parse_error_text(const char* what) {
  std::string text = what;
  // Drop nlohmann's "[json.exception.parse_error.101] " tag; keep the position.
  if (auto end = text.find("] "); !text.empty() && text[0] == '[' && end != std::string::npos) {
    text.erase(0, end + 2);
  }
  return "invalid semaphore JSON: " + text;
}

bool has_holder(const Semaphore& s, std::string_view id) {
  return std::find(s.holders.begin(), s.holders.end(), id) != s.holders.end();
}

}  // namespace

Semaphore initial_semaphore() {
  return Semaphore{.semaphore = 1, .max = 1};
}

std::string go_json_quote(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      append_ascii(out, c);
      ++i;
      continue;
    }
    size_t n = utf8_length(text, i);
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

std::string encode_semaphore(const Semaphore& s) {
  std::string out = "{\"semaphore\":" + std::to_string(s.semaphore) +
                    ",\"max\":" + std::to_string(s.max) + ",\"holders\":";
  if (s.holders.empty() && s.holders_null) return out + "null}";
  out += '[';
  for (size_t i = 0; i < s.holders.size(); ++i) {
    if (i > 0) out += ',';
    out += go_json_quote(s.holders[i]);
  }
  return out + "]}";
}

SemaphoreResult decode_semaphore(std::string_view json) {
  Json doc;
  try {
    doc = Json::parse(json);
  } catch (const Json::parse_error& e) {
    return unexpected(decode_error(parse_error_text(e.what())));
  }
  Semaphore s;
  if (doc.is_null()) return s;  // Go: a null document leaves the zero value
  if (!doc.is_object()) {
    return unexpected(decode_error("json: cannot unmarshal " + json_type_name(doc) +
                                   " into Go value of type lock.Semaphore"));
  }
  for (const auto& [key, value] : doc.items()) {
    if (auto r = decode_member(key, value, s); !r) return unexpected(r.error());
  }
  return s;
}

SemaphoreResult lock(const Semaphore& s, std::string_view id) {
  if (s.semaphore <= 0) {
    return unexpected(
        SemaphoreError{SemaphoreErrorKind::full, "semaphore is at " + std::to_string(s.semaphore)});
  }
  if (has_holder(s, id))
    return unexpected(SemaphoreError{SemaphoreErrorKind::exists, "holder exists"});
  Semaphore next = s;
  next.holders.emplace_back(id);
  std::sort(next.holders.begin(), next.holders.end());
  next.holders_null = false;
  next.semaphore -= 1;  // > 0 before: cannot overflow
  return next;
}

SemaphoreResult unlock(const Semaphore& s, std::string_view id) {
  auto it = std::find(s.holders.begin(), s.holders.end(), id);
  if (it == s.holders.end()) {
    return unexpected(SemaphoreError{SemaphoreErrorKind::not_exist, "holder does not exist"});
  }
  Semaphore next = s;
  next.holders.erase(next.holders.begin() + (it - s.holders.begin()));
  std::sort(next.holders.begin(), next.holders.end());
  next.holders_null = false;  // Go leaves an empty, non-nil slice: "[]"
  next.semaphore = wrapping_sub(s.semaphore, -1);
  return next;
}

Semaphore set_max(const Semaphore& s, int64_t max) {
  // The reference's rule, wrapping like Go's int: diff = max - n; semaphore -= diff.
  Semaphore next = s;
  next.semaphore = wrapping_sub(s.semaphore, wrapping_sub(s.max, max));
  next.max = max;
  return next;
}

}  // namespace corestack::locksmith
