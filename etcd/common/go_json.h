// Go's JSON text rules (encoding/json, strconv), for what etcd writes or reads with Go's
// encoding/json: the v3 gateway's request bodies (etcd/v3rpc), the member records of
// etcd's backend file (etcd/bolt). Here: the scanner that checks a value and finds its end, with
// Go's syntax errors; Go's string escaping and unquoting; strconv.Quote for error texts.
// A checked value is then handled as its raw text, as jsonpb handles a json.RawMessage:
// the walkers below need no error handling.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "etcd/common/result.h"

namespace etcd::go_json {

inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
inline bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// snprintf of one unsigned value (the escapes below, percent-encoding).
std::string hex_escape(const char* format, unsigned value);

// Go's strconv.Quote (%q), as in "unknown value %q for enum ...".
std::string go_quote(std::string_view s);

// A string as Go's encoding/json writes it: HTML-safe (<, >, & escaped), invalid UTF-8
// as U+FFFD.
void append_json_string(std::string& out, std::string_view s);
std::string json_string(std::string_view s);

// Go's unquote of a string literal's inside (already checked by the scanner).
std::string unquote(std::string_view s);

// How Go reads JSON, which differs at the end of the input: a json.Decoder reading the next
// value of a body (stream: what follows is left for the next read; input ending inside the
// value is "unexpected EOF"), or json.Unmarshal of a whole text (whole: only space may
// follow; "unexpected end of JSON input").
enum class ScanMode { stream, whole };

// Go's encoding/json scanner: the length of the JSON value at the start of `in`, leading
// space included, or Go's syntax error ("invalid character 'g' looking for beginning of
// value"). No recursion: Go allows 10000 levels of nesting.
Result<size_t> scan(std::string_view in, ScanMode mode);

// A checked value's kind is its first byte.
enum class Kind { null, boolean, number, string, array, object };
Kind kind_of(std::string_view raw);
// As Go's "cannot unmarshal <what>" names a value.
std::string_view kind_name(Kind kind);

// Walking a value the scanner has checked; bounds kept anyway.
size_t skip_space(std::string_view s, size_t i);
std::string_view trim_space(std::string_view s);
// The end of the string literal starting at s[i] ('"').
size_t string_end(std::string_view s, size_t i);
// The end of the value starting at s[i].
size_t value_end(std::string_view s, size_t i);
// The string a string literal holds.
std::string string_value(std::string_view raw);

// f(key, value) for each member of an object, in order.
template <typename F>
void for_each_member(std::string_view object, F f) {
  size_t i = skip_space(object, 1);
  while (i < object.size() && object[i] == '"') {
    const size_t key_end = string_end(object, i);
    std::string key = string_value(object.substr(i, key_end - i));
    const size_t value = skip_space(object, skip_space(object, key_end) + 1);  // past ':'
    const size_t end = value_end(object, value);
    f(std::move(key), object.substr(value, end - value));
    i = skip_space(object, skip_space(object, end) + 1);  // past ',' (or '}')
  }
}

// f(element) for each element of an array, in order, until f fails.
template <typename F>
Result<void> for_each_element(std::string_view array, F f) {
  size_t i = skip_space(array, 1);
  while (i < array.size() && array[i] != ']') {
    const size_t end = value_end(array, i);
    if (auto r = f(array.substr(i, end - i)); !r) return r;
    i = skip_space(array, end);
    if (i < array.size() && array[i] == ',') i = skip_space(array, i + 1);
  }
  return Ok{};
}

}  // namespace etcd::go_json
