// API pagination (docs/fleet.md "HTTP API"; fleet api/pagination.go): a page token is the
// URL-safe base64 (with padding) of the little-endian pair {uint16 Limit, uint16 Page}; the
// server only accepts tokens whose limit equals its token_limit, pages count from 1.
//
// Pure; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/fleet/expected.h"

namespace corestack::fleet {

struct PageToken {
  std::uint16_t limit = 100;
  std::uint16_t page = 1;

  PageToken next() const { return PageToken{limit, static_cast<std::uint16_t>(page + 1)}; }
  // {100, 1} -> "ZAABAA==".
  std::string encode() const;

  bool operator==(const PageToken&) const = default;
};

// The first page for a server with this limit.
inline PageToken default_page_token(std::uint16_t token_limit) {
  return PageToken{token_limit, 1};
}

// Decodes and validates one token; every error is an API 400, with fleet's messages:
// "illegal base64 data at input byte N", "EOF" / "unexpected EOF" (fewer than 4 bytes),
// "token limit must be 100", "token page must be greater than zero".
Expected<PageToken, std::string> decode_page_token(std::string_view value,
                                                   std::uint16_t token_limit);

// The `nextPageToken` query values of a request: none -> the default token; more than one ->
// "too many values for page token"; else decode_page_token.
Expected<PageToken, std::string> page_token_from_query(const std::vector<std::string>& values,
                                                       std::uint16_t token_limit);

// The items [begin, end) of a sorted list of `total` items that `token` selects, and the token
// of the following page when this page is full (fleet returns one even when nothing follows).
// A page past the end is empty and has no next token.
struct PageRange {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::optional<PageToken> next;

  bool operator==(const PageRange&) const = default;
};
PageRange page_range(std::size_t total, const PageToken& token);

}  // namespace corestack::fleet
