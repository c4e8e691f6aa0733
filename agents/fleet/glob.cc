#include "agents/fleet/glob.h"

#include "agents/fleet/go_text.h"

namespace corestack::fleet {
namespace {

constexpr const char* kBadPattern = "syntax error in pattern";

// The result of matching one star-free chunk at the start of a name.
struct ChunkMatch {
  bool ok = false;
  bool bad_pattern = false;
  std::string_view rest;  // what is left of the name after the chunk
};

// Splits off leading stars and the next chunk (up to the next star outside a class).
struct Chunk {
  bool star = false;
  std::string_view chunk;
  std::string_view rest;
};

Chunk scan_chunk(std::string_view pattern) {
  Chunk c;
  while (!pattern.empty() && pattern[0] == '*') {
    pattern.remove_prefix(1);
    c.star = true;
  }
  bool in_range = false;
  std::size_t i = 0;
  for (; i < pattern.size(); ++i) {
    char ch = pattern[i];
    if (ch == '\\') {
      if (i + 1 < pattern.size()) ++i;
    } else if (ch == '[') {
      in_range = true;
    } else if (ch == ']') {
      in_range = false;
    } else if (ch == '*' && !in_range) {
      break;
    }
  }
  c.chunk = pattern.substr(0, i);
  c.rest = pattern.substr(i);
  return c;
}

// One class endpoint: a rune, possibly escaped (Go's getEsc).
bool get_escaped(std::string_view& chunk, char32_t& r) {
  if (chunk.empty() || chunk[0] == '-' || chunk[0] == ']') return false;
  if (chunk[0] == '\\') {
    chunk.remove_prefix(1);
    if (chunk.empty()) return false;
  }
  Rune decoded = decode_rune(chunk);
  r = decoded.value;
  chunk.remove_prefix(decoded.size);
  return !(decoded.value == kRuneError && decoded.size == 1) && !chunk.empty();
}

// Matches `[...]` against rune `r`; `chunk` starts after the '['.
bool match_class(std::string_view& chunk, char32_t r, bool& matched) {
  bool negated = !chunk.empty() && chunk[0] == '^';
  if (negated) chunk.remove_prefix(1);
  bool match = false;
  for (int ranges = 0;; ++ranges) {
    if (!chunk.empty() && chunk[0] == ']' && ranges > 0) {
      chunk.remove_prefix(1);
      break;
    }
    char32_t lo = 0, hi = 0;
    if (!get_escaped(chunk, lo)) return false;
    hi = lo;
    if (chunk[0] == '-') {
      chunk.remove_prefix(1);
      if (!get_escaped(chunk, hi)) return false;
    }
    if (lo <= r && r <= hi) match = true;
  }
  matched = match != negated;
  return true;
}

ChunkMatch match_chunk(std::string_view chunk, std::string_view s) {
  ChunkMatch m;
  while (!chunk.empty()) {
    if (s.empty()) return m;
    char head = chunk[0];
    if (head == '[') {
      Rune r = decode_rune(s);
      s.remove_prefix(r.size);
      chunk.remove_prefix(1);
      bool matched = false;
      if (!match_class(chunk, r.value, matched)) {
        m.bad_pattern = true;
        return m;
      }
      if (!matched) return m;
    } else if (head == '?') {
      if (s[0] == '/') return m;
      s.remove_prefix(decode_rune(s).size);
      chunk.remove_prefix(1);
    } else {
      if (head == '\\') {
        chunk.remove_prefix(1);
        if (chunk.empty()) {
          m.bad_pattern = true;
          return m;
        }
      }
      if (chunk[0] != s[0]) return m;
      s.remove_prefix(1);
      chunk.remove_prefix(1);
    }
  }
  m.ok = true;
  m.rest = s;
  return m;
}

// After a star: try the chunk at every later position not crossing a '/'.
ChunkMatch match_after_star(std::string_view chunk, std::string_view name, bool last) {
  for (std::size_t i = 0; i < name.size() && name[i] != '/'; ++i) {
    ChunkMatch m = match_chunk(chunk, name.substr(i + 1));
    if (m.ok) {
      if (last && !m.rest.empty()) continue;
      return m;
    }
    if (m.bad_pattern) return m;
  }
  return ChunkMatch{};
}

}  // namespace

Expected<bool, std::string> path_match(std::string_view pattern, std::string_view name) {
  while (!pattern.empty()) {
    Chunk c = scan_chunk(pattern);
    pattern = c.rest;
    if (c.star && c.chunk.empty()) return name.find('/') == std::string_view::npos;
    ChunkMatch m = match_chunk(c.chunk, name);
    if (m.ok && (m.rest.empty() || !pattern.empty())) {
      name = m.rest;
      continue;
    }
    if (m.bad_pattern) return unexpected(std::string(kBadPattern));
    if (!c.star) return false;
    m = match_after_star(c.chunk, name, pattern.empty());
    if (m.bad_pattern) return unexpected(std::string(kBadPattern));
    if (!m.ok) return false;
    name = m.rest;
  }
  return name.empty();
}

bool glob_matches(std::string_view pattern, std::string_view name) {
  auto matched = path_match(pattern, name);
  return matched.ok() && *matched;
}

}  // namespace corestack::fleet
