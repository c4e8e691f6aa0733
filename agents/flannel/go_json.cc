#include "agents/flannel/go_json.h"

#include <cctype>
#include <climits>

#include <nlohmann/json.hpp>

#include "agents/common/go_json.h"

namespace corestack::flannel {
namespace {

constexpr char kHex[] = "0123456789abcdef";

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t skip_space(std::string_view text, size_t at) {
  while (at < text.size() && is_space(text[at]))
    ++at;
  return at;
}

// `at` is on an opening quote; returns the index just past the closing one.
size_t skip_string(std::string_view text, size_t at) {
  for (++at; at < text.size(); ++at) {
    if (text[at] == '\\') {
      ++at;
    } else if (text[at] == '"') {
      return at + 1;
    }
  }
  return text.size();
}

// The end of the value starting at `at` (valid JSON: brackets balance outside strings).
size_t skip_value(std::string_view text, size_t at) {
  int depth = 0;
  while (at < text.size()) {
    const char c = text[at];
    if (c == '"') {
      at = skip_string(text, at);
      if (depth == 0) return at;
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') {
      if (depth == 0) return at;  // the end of the enclosing object
      if (--depth == 0) return at + 1;
    }
    if (depth == 0 && (c == ',' || is_space(c))) return at;
    ++at;
  }
  return at;
}

void append_unicode_escape(std::string& out, unsigned code) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4)
    out += kHex[(code >> shift) & 0xf];
}

// Go's HTML-safe escaping of '<', '>', '&' and of the line/paragraph separators.
// Returns the bytes consumed at text[at], or 0 when nothing needed escaping.
size_t escape_html(std::string_view text, size_t at, std::string& out) {
  const char c = text[at];
  if (c == '<' || c == '>' || c == '&') {
    append_unicode_escape(out, static_cast<unsigned char>(c));
    return 1;
  }
  if (static_cast<unsigned char>(c) == 0xe2 && at + 2 < text.size() &&
      static_cast<unsigned char>(text[at + 1]) == 0x80 &&
      (static_cast<unsigned char>(text[at + 2]) & 0xfe) == 0xa8) {
    append_unicode_escape(out, 0x2028u + (static_cast<unsigned char>(text[at + 2]) & 1u));
    return 3;
  }
  return 0;
}

nlohmann::json parse_raw(const JsonMember& member) {
  return nlohmann::json::parse(member.raw, nullptr, /*allow_exceptions=*/false);
}

std::string field_error(std::string_view field, std::string_view expected) {
  return std::string(field) + ": expected " + std::string(expected);
}

}  // namespace

Expected<std::vector<JsonMember>, std::string> object_members(std::string_view text) {
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return unexpected("not valid JSON: " + std::string(e.what()));
  }
  if (!parsed.is_object()) return unexpected(std::string("not a JSON object"));
  std::vector<JsonMember> members;
  size_t at = skip_space(text, skip_space(text, 0) + 1);  // past '{'
  while (at < text.size() && text[at] == '"') {
    const size_t key_end = skip_string(text, at);
    JsonMember member;
    member.key = nlohmann::json::parse(text.substr(at, key_end - at)).get<std::string>();
    const size_t value_at = skip_space(text, skip_space(text, key_end) + 1);  // past ':'
    const size_t value_end = skip_value(text, value_at);
    member.raw = text.substr(value_at, value_end - value_at);
    members.push_back(std::move(member));
    at = skip_space(text, value_end);
    if (at < text.size() && text[at] == ',') at = skip_space(text, at + 1);
  }
  return members;
}

const JsonMember* find_member(const std::vector<JsonMember>& members, std::string_view name) {
  const JsonMember* found = nullptr;
  for (const JsonMember& member : members) {
    if (member.key.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(member.key[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) found = &member;
  }
  return found;
}

std::string go_compact(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  bool in_string = false;
  for (size_t at = 0; at < raw.size();) {
    const char c = raw[at];
    if (!in_string && is_space(c)) {
      ++at;
      continue;
    }
    if (size_t used = escape_html(raw, at, out); used > 0) {
      at += used;
      continue;
    }
    out += c;
    if (in_string && c == '\\' && at + 1 < raw.size()) {
      out += raw[++at];
    } else if (c == '"') {
      in_string = !in_string;
    }
    ++at;
  }
  return out;
}

std::string go_quote(std::string_view text) {
  return agents::go_json_quote(text);
}

Expected<std::string, std::string> json_string(const JsonMember& member, std::string_view field) {
  auto value = parse_raw(member);
  if (!value.is_string()) return unexpected(field_error(field, "a string"));
  return value.get<std::string>();
}

Expected<long long, std::string> json_integer(const JsonMember& member, std::string_view field) {
  auto value = parse_raw(member);
  if (value.is_number_unsigned()) {
    const auto u = value.get<unsigned long long>();
    if (u > static_cast<unsigned long long>(LLONG_MAX)) {
      return unexpected(field_error(field, "an integer"));
    }
    return static_cast<long long>(u);
  }
  if (!value.is_number_integer()) return unexpected(field_error(field, "an integer"));
  return value.get<long long>();
}

Expected<bool, std::string> json_bool(const JsonMember& member, std::string_view field) {
  auto value = parse_raw(member);
  if (!value.is_boolean()) return unexpected(field_error(field, "true or false"));
  return value.get<bool>();
}

bool json_is_null(const JsonMember& member) {
  return member.raw == "null";
}

}  // namespace corestack::flannel
