#include "agents/locksmith/semaphore.h"

#include "agents/common/go_json.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include <nlohmann/json.hpp>

namespace corestack::locksmith {
namespace {

using Json = nlohmann::ordered_json;

// Go int arithmetic wraps on overflow; signed overflow is undefined in C++.
int64_t wrapping_sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
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
