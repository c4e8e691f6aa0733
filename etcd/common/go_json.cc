// Go's JSON text rules (go_json.h).
#include "etcd/common/go_json.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace etcd::go_json {

std::string hex_escape(const char* format, unsigned value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

namespace {

// The length of the valid UTF-8 sequence at s[i] (Go's utf8.DecodeRune), 0 if invalid.
size_t utf8_length(std::string_view s, size_t i, uint32_t* rune = nullptr) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  // From the lead byte: the length, the rune's first bits, the least rune of that length.
  size_t n = 0;
  uint32_t r = 0;
  uint32_t min = 0;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    r = c & 0x1f;
    min = 0x80;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    r = c & 0x0f;
    min = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    r = c & 0x07;
    min = 0x10000;
  }
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xc0) != 0x80) return 0;
    r = (r << 6) | (b(k) & 0x3f);
  }
  if (r < min || r > 0x10ffff || (r >= 0xd800 && r < 0xe000)) return 0;
  if (rune) *rune = r;
  return n;
}

void append_utf8(std::string& out, uint32_t r) {
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xc0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3f));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xe0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (r & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (r & 0x3f));
  }
}

constexpr uint32_t kReplacementChar = 0xfffd;

// One ASCII character as Go's strconv.Quote writes it (without the quotes).
std::string go_quote_ascii(unsigned char c) {
  switch (c) {
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
    case '\\':
      return "\\\\";
    case '"':
      return "\\\"";
    default:
      if (c < 0x20 || c == 0x7f) return hex_escape("\\x%02x", c);
      return std::string(1, static_cast<char>(c));
  }
}

}  // namespace

std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : utf8_length(s, i);
    if (c < 0x80) {
      out += go_quote_ascii(c);
    } else if (n == 0) {
      out += hex_escape("\\x%02x", c);
    } else {
      out.append(s, i, n);
    }
    i += n == 0 ? 1 : n;
  }
  return out + "\"";
}

namespace {

// The byte in a syntax error, as Go's quoteChar prints it: the byte read as a rune.
std::string go_quote_char(unsigned char c) {
  if (c == '\'') return "'\\''";
  if (c == '"') return "'\"'";
  if (c < 0x80) return "'" + go_quote_ascii(c) + "'";
  if (c < 0xa0 || c == 0xad) return "'" + hex_escape("\\u%04x", c) + "'";  // not printable
  std::string rune;
  append_utf8(rune, c);
  return "'" + rune + "'";
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
        out += hex_escape("\\u%04x", c);
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    uint32_t rune = 0;
    const size_t n = utf8_length(s, i, &rune);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
    } else if (rune == 0x2028 || rune == 0x2029) {
      out += hex_escape("\\u%04x", rune);
      i += n;
    } else {
      out.append(s, i, n);
      i += n;
    }
  }
  out += '"';
}

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

Kind kind_of(std::string_view raw) {
  switch (raw.front()) {
    case 'n':
      return Kind::null;
    case 't':
    case 'f':
      return Kind::boolean;
    case '"':
      return Kind::string;
    case '[':
      return Kind::array;
    case '{':
      return Kind::object;
    default:
      return Kind::number;
  }
}

// As Go's "cannot unmarshal <what>" names a value.
std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::null:
      return "null";
    case Kind::boolean:
      return "bool";
    case Kind::number:
      return "number";
    case Kind::string:
      return "string";
    case Kind::array:
      return "array";
    case Kind::object:
      return "object";
  }
  return "value";
}

namespace {

// Go's utf16 pair decoding inside unquote: the \uXXXX at s[i], or -1.
int32_t read_u4(std::string_view s, size_t i) {
  if (i + 6 > s.size() || s[i] != '\\' || s[i + 1] != 'u') return -1;
  uint32_t r = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    if (!is_hex(s[k])) return -1;
    const char c = s[k];
    r = r * 16 + (is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return static_cast<int32_t>(r);
}

}  // namespace

// Go's unquote of a string literal's inside (already checked by the scanner): escapes
// decoded, lone surrogates and invalid UTF-8 become U+FFFD.
std::string unquote(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == '\\') {
      if (i + 1 == s.size()) break;  // the scanner lets no such string through
      const char e = s[i + 1];
      if (e != 'u') {
        static constexpr std::string_view kFrom = "bfnrt", kTo = "\b\f\n\r\t";
        const auto k = kFrom.find(e);
        out += k == std::string_view::npos ? e : kTo[k];
        i += 2;
        continue;
      }
      const int32_t u = read_u4(s, i);
      auto r = u < 0 ? kReplacementChar : static_cast<uint32_t>(u);
      i += 6;
      if (r >= 0xd800 && r < 0xe000) {
        const int32_t low = read_u4(s, i);
        const bool pair = r < 0xdc00 && low >= 0xdc00 && low < 0xe000;
        if (pair) i += 6;
        r = pair ? 0x10000 + ((r - 0xd800) << 10) + (static_cast<uint32_t>(low) - 0xdc00)
                 : kReplacementChar;
      }
      append_utf8(out, r);
    } else if (static_cast<unsigned char>(c) < 0x80) {
      out += c;
      ++i;
    } else if (const size_t n = utf8_length(s, i); n == 0) {
      append_utf8(out, kReplacementChar);
      ++i;
    } else {
      out.append(s, i, n);
      i += n;
    }
  }
  return out;
}

namespace {

// Go's encoding/json scanner: checks one JSON value and finds its end, with Go's syntax
// errors. A state machine like Go's, without recursion: Go allows 10000 levels of nesting.
// Go reads JSON two ways, which differ at the end of the input: a json.Decoder reading the
// next value of a body (ScanMode::stream; what follows the value is left for the next read;
// input ending inside the value is "unexpected EOF"), and json.Unmarshal of a whole text
// (ScanMode::whole; only space may follow the value; at the end the scanner is fed a space,
// and what that space breaks is the error, else "unexpected end of JSON input").
class GoScanner {
 public:
  using Mode = ScanMode;
  static constexpr size_t kMaxDepth = 10000;  // encoding/json's maxNestingDepth

  // The length of the value at the start of `in`, leading space included.
  static Result<size_t> scan(std::string_view in, Mode mode) { return GoScanner(mode).run(in); }

 private:
  enum class State : uint8_t {
    begin_value,
    begin_value_or_empty,   // after '['
    begin_string_or_empty,  // after '{'
    begin_string,           // after ',' in an object
    end_value,
    in_string,
    in_string_esc,
    in_string_esc_u,
    neg,
    one,  // in the integer part, after a non-zero digit
    zero,
    dot,
    dot0,
    e,
    e_sign,
    e0,
    literal,  // true, false, null
  };
  enum class Step { more, done_before, done_after, error };  // done: the value ended
  enum class Container : uint8_t { object_key, object_value, array_value };

  explicit GoScanner(Mode mode) : mode_(mode) {}

  Result<size_t> run(std::string_view in) {
    for (size_t i = 0; i < in.size(); ++i) {
      switch (step(static_cast<unsigned char>(in[i]))) {
        case Step::more:
          continue;
        case Step::done_before:
          return finish(in, i);
        case Step::done_after:
          return finish(in, i + 1);
        case Step::error:
          return error_;
      }
    }
    const Step last = step(' ');  // what Go does at the end of the input
    if (last == Step::done_before) return in.size();
    if (mode_ == Mode::stream) return Error{"unexpected EOF"};
    if (last == Step::error) return error_;
    return Error{"unexpected end of JSON input"};
  }

  Result<size_t> finish(std::string_view in, size_t end) {
    if (mode_ == Mode::stream) return end;
    for (size_t i = end; i < in.size(); ++i) {
      if (!is_space(in[i])) {
        fail(static_cast<unsigned char>(in[i]), "after top-level value");
        return error_;
      }
    }
    return end;
  }

  Step fail(unsigned char c, std::string_view context) {
    error_ = Error{"invalid character " + go_quote_char(c) + " " + std::string(context)};
    return Step::error;
  }
  Step go(State next) {
    state_ = next;
    return Step::more;
  }

  Step step(unsigned char c) {
    switch (state_) {
      case State::begin_value:
        return begin_value(c);
      case State::begin_value_or_empty:
        if (is_space(c)) return Step::more;
        return c == ']' ? end_value(c) : begin_value(c);
      case State::begin_string_or_empty:
        if (is_space(c)) return Step::more;
        if (c == '}') {
          stack_.back() = Container::object_value;
          return end_value(c);
        }
        return begin_string(c);
      case State::begin_string:
        return begin_string(c);
      case State::end_value:
        return end_value(c);
      default:
        return in_scalar(c);
    }
  }

  Step begin_value(unsigned char c) {
    if (is_space(c)) return Step::more;
    switch (c) {
      case '{':
        state_ = State::begin_string_or_empty;
        return push(c, Container::object_key);
      case '[':
        state_ = State::begin_value_or_empty;
        return push(c, Container::array_value);
      case '"':
        return go(State::in_string);
      case '-':
        return go(State::neg);
      case '0':
        return go(State::zero);
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
    }
    if (c >= '1' && c <= '9') return go(State::one);
    return fail(c, "looking for beginning of value");
  }

  Step begin_string(unsigned char c) {
    if (is_space(c)) return Step::more;
    if (c == '"') return go(State::in_string);
    return fail(c, "looking for beginning of object key string");
  }

  // After a value: what the enclosing container allows next.
  Step end_value(unsigned char c) {
    if (stack_.empty()) return Step::done_before;  // a top-level scalar ended before c
    if (is_space(c)) return go(State::end_value);
    Container& top = stack_.back();
    switch (top) {
      case Container::object_key:
        if (c != ':') return fail(c, "after object key");
        top = Container::object_value;
        return go(State::begin_value);
      case Container::object_value:
        if (c == '}') return pop();
        if (c != ',') return fail(c, "after object key:value pair");
        top = Container::object_key;
        return go(State::begin_string);
      case Container::array_value:
        if (c == ']') return pop();
        if (c != ',') return fail(c, "after array element");
        return go(State::begin_value);
    }
    return Step::error;
  }

  Step push(unsigned char c, Container container) {
    stack_.push_back(container);
    if (stack_.size() > kMaxDepth) return fail(c, "exceeded max depth");
    return Step::more;
  }
  Step pop() {
    stack_.pop_back();
    state_ = State::end_value;
    return stack_.empty() ? Step::done_after : Step::more;
  }
  Step literal(std::string_view word) {
    word_ = word;
    word_pos_ = 1;
    return go(State::literal);
  }

  // Strings, numbers and literals, byte by byte.
  Step in_scalar(unsigned char c) {
    switch (state_) {
      case State::in_string:
        if (c == '"') return go(State::end_value);
        if (c == '\\') return go(State::in_string_esc);
        if (c < 0x20) return fail(c, "in string literal");
        return Step::more;
      case State::in_string_esc:
        if (c != 0 &&
            std::string_view("bfnrt\\/\"").find(static_cast<char>(c)) != std::string_view::npos) {
          return go(State::in_string);
        }
        if (c != 'u') return fail(c, "in string escape code");
        hex_digits_ = 0;
        return go(State::in_string_esc_u);
      case State::in_string_esc_u:
        if (!is_hex(static_cast<char>(c))) return fail(c, "in \\u hexadecimal character escape");
        return ++hex_digits_ == 4 ? go(State::in_string) : Step::more;
      case State::literal:
        if (c != static_cast<unsigned char>(word_[word_pos_])) {
          return fail(
              c, "in literal " + std::string(word_) + " (expecting '" + word_[word_pos_] + "')");
        }
        return ++word_pos_ == word_.size() ? go(State::end_value) : Step::more;
      default:
        return in_number(c);
    }
  }

  Step in_number(unsigned char c) {
    const bool digit = is_digit(static_cast<char>(c));
    switch (state_) {
      case State::neg:
        if (c == '0') return go(State::zero);
        if (c >= '1' && c <= '9') return go(State::one);
        return fail(c, "in numeric literal");
      case State::one:
        if (digit) return Step::more;
        [[fallthrough]];
      case State::zero:
        if (c == '.') return go(State::dot);
        if (c == 'e' || c == 'E') return go(State::e);
        return end_value(c);
      case State::dot:
        if (digit) return go(State::dot0);
        return fail(c, "after decimal point in numeric literal");
      case State::dot0:
        if (digit) return Step::more;
        if (c == 'e' || c == 'E') return go(State::e);
        return end_value(c);
      case State::e:
        if (c == '+' || c == '-') return go(State::e_sign);
        [[fallthrough]];
      case State::e_sign:
        if (digit) return go(State::e0);
        return fail(c, "in exponent of numeric literal");
      default:  // e0
        if (digit) return Step::more;
        return end_value(c);
    }
  }

  Mode mode_;
  State state_ = State::begin_value;
  std::vector<Container> stack_;
  std::string_view word_;
  size_t word_pos_ = 0;
  int hex_digits_ = 0;
  Error error_;
};

}  // namespace

// Walking a value the scanner has checked: no error handling needed, bounds kept anyway.
size_t skip_space(std::string_view s, size_t i) {
  while (i < s.size() && is_space(s[i]))
    ++i;
  return i;
}

std::string_view trim_space(std::string_view s) {
  s.remove_prefix(skip_space(s, 0));
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

size_t string_end(std::string_view s, size_t i) {
  for (++i; i < s.size() && s[i] != '"'; ++i) {
    if (s[i] == '\\') ++i;
  }
  return std::min(i + 1, s.size());
}

size_t value_end(std::string_view s, size_t i) {
  if (i < s.size() && s[i] == '"') return string_end(s, i);
  size_t depth = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      i = string_end(s, i) - 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return i;  // the end of the enclosing container
      if (--depth == 0) return i + 1;
    } else if (depth == 0 && (c == ',' || is_space(c))) {
      return i;
    }
  }
  return i;
}

std::string string_value(std::string_view raw) {
  return unquote(raw.substr(1, raw.size() - 2));
}

Result<size_t> scan(std::string_view in, ScanMode mode) {
  return GoScanner::scan(in, mode);
}

}  // namespace etcd::go_json
