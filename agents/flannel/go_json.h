// Go-compatible JSON helpers for flannel's two stored formats (the network config and the
// lease value; docs/flannel.md): Go's encoding/json matches struct fields to object keys
// case-insensitively (the last matching key wins), keeps a json.RawMessage as the exact
// text of the value, and json.Marshal writes a RawMessage compacted and HTML-escaped.
// Pure functions; nlohmann/json validates, its exceptions never leave go_json.cc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agents/flannel/expected.h"

namespace corestack::flannel {

// One member of a JSON object: its key (unescaped) and the raw text of its value (a view
// into the text passed to object_members).
struct JsonMember {
  std::string key;
  std::string_view raw;
};

// The members of `text`, which must be one JSON object, in document order. Errors:
// "not valid JSON: <parser message>", "not a JSON object".
Expected<std::vector<JsonMember>, std::string> object_members(std::string_view text);

// Go's field lookup: the last member whose key equals `name` ignoring ASCII case; nullptr
// when there is none.
const JsonMember* find_member(const std::vector<JsonMember>& members, std::string_view name);

// A raw JSON value as json.Marshal writes a RawMessage: insignificant whitespace removed,
// and '<', '>', '&', U+2028, U+2029 inside strings escaped as \u003c... (Go's HTML-safe
// escaping). `raw` must be valid JSON.
std::string go_compact(std::string_view raw);

// A string as json.Marshal quotes it (HTML-safe escaping, \u00XX for other controls).
std::string go_quote(std::string_view text);

// Typed reads of one member's raw value; errors name the field ("Backend.VNI: expected an
// integer").
Expected<std::string, std::string> json_string(const JsonMember& member, std::string_view field);
Expected<long long, std::string> json_integer(const JsonMember& member, std::string_view field);
Expected<bool, std::string> json_bool(const JsonMember& member, std::string_view field);
bool json_is_null(const JsonMember& member);

}  // namespace corestack::flannel
