// Query strings and form bodies parsed the way Go's net/url does (etcd is a Go program and
// clients depend on its reading): '&'-separated pairs, '+' is a space, %XX escapes, and an
// error for a malformed escape or a ';' separator (Go 1.17+). Pure; any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "etcd/common/result.h"

namespace etcd::api {

// Pairs in arrival order; a key may repeat (the first value wins, as FormValue does).
class Form {
 public:
  // Appends the pairs of `encoded`. Fails (leaving earlier pairs) on a malformed escape or
  // a ';' separator.
  Result<void> parse(std::string_view encoded);

  bool has(std::string_view key) const { return first(key) != nullptr; }
  // The first value for key, or nullptr.
  const std::string* first(std::string_view key) const;
  // The first value for key, or "".
  std::string value(std::string_view key) const;
  const std::vector<std::pair<std::string, std::string>>& pairs() const { return pairs_; }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

// Decodes %XX escapes (and '+' as space when plus_is_space). Fails on a bad escape.
Result<std::string> percent_decode(std::string_view in, bool plus_is_space);

// Whether `s` is well-formed UTF-8 as Go's utf8.ValidString sees it: no stray continuation
// bytes, no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s);

}  // namespace etcd::api
