// The JSON gateway (gateway.h). Four parts:
//   1. Go's JSON text rules: encoding/json's scanner (and its errors), string escaping.
//   2. jsonpb's reading of JSON into a message (golang/protobuf 1.3, what grpc-gateway v1
//      uses), written back as plain protobuf JSON for JsonStringToMessage.
//   3. The answers: grpc-gateway v1's statuses, error bodies, headers and stream framing.
//   4. The relays: one gRPC call per request over the in-process channel, and the routes.
#include "etcd/v3rpc/gateway.h"

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <unordered_map>
#include <utility>

#include "etcd/api/response.h"
#include "etcdserverpb/rpc.grpc.pb.h"

namespace etcd::v3rpc {

namespace {

namespace pbuf = google::protobuf;
namespace pb = etcdserverpb;

// ---- 1. Go's JSON text ---------------------------------------------------------------

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string hex_escape(const char* format, unsigned value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

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

// Go's strconv.Quote (%q), as in "unknown value %q for enum ...".
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

// A string as Go's encoding/json writes it: HTML-safe (<, >, & escaped), invalid UTF-8
// as U+FFFD.
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

// A JSON value is handled as its raw text once Go's scanner (below) has checked it, the way
// jsonpb handles a json.RawMessage: its kind is its first byte.
enum class Kind { null, boolean, number, string, array, object };

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

// Go's encoding/json scanner: checks one JSON value and finds its end, with Go's syntax
// errors. A state machine like Go's, without recursion: Go allows 10000 levels of nesting.
// Go reads JSON two ways, which differ at the end of the input: a json.Decoder reading the
// next value of a body (Mode::stream; what follows the value is left for the next read;
// input ending inside the value is "unexpected EOF"), and json.Unmarshal of a whole text
// (Mode::whole; only space may follow the value; at the end the scanner is fed a space,
// and what that space breaks is the error, else "unexpected end of JSON input").
class GoScanner {
 public:
  enum class Mode { stream, whole };
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

// The end of the string literal starting at s[i] ('"').
size_t string_end(std::string_view s, size_t i) {
  for (++i; i < s.size() && s[i] != '"'; ++i) {
    if (s[i] == '\\') ++i;
  }
  return std::min(i + 1, s.size());
}

// The end of the value starting at s[i].
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

// The string a string literal holds.
std::string string_value(std::string_view raw) {
  return unquote(raw.substr(1, raw.size() - 2));
}

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

// ---- 2. jsonpb ---------------------------------------------------------------------------

constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (size_t i = 0; i < in.size(); i += 3) {
    const size_t n = std::min<size_t>(3, in.size() - i);
    uint32_t v = 0;
    for (size_t k = 0; k < 3; ++k) {
      v = (v << 8) | (k < n ? static_cast<unsigned char>(in[i + k]) : 0);
    }
    for (size_t k = 0; k < 4; ++k) {
      out += k <= n ? kBase64[(v >> (18 - 6 * k)) & 0x3f] : '=';
    }
  }
  return out;
}

Error corrupt_base64(size_t at) {
  return Error{"illegal base64 data at input byte " + std::to_string(at)};
}

// Go's base64.StdEncoding.Decode: padding required, '\r' and '\n' skipped anywhere, and
// the error names the offending input byte (decodeQuantum's rules, one quantum at a time).
Result<std::string> go_base64_decode(std::string_view src) {
  std::string out;
  size_t si = 0;
  const auto skip_newlines = [&] {
    while (si < src.size() && (src[si] == '\n' || src[si] == '\r'))
      ++si;
  };
  while (si < src.size()) {
    uint32_t quantum[4] = {0, 0, 0, 0};
    size_t have = 4;
    for (size_t j = 0; j < 4; ++j) {
      if (si == src.size()) {
        if (j == 0) return out;  // only newlines were left
        return corrupt_base64(si - j);
      }
      const char in = src[si++];
      if (const auto v = kBase64.find(in); v != std::string_view::npos) {
        quantum[j] = static_cast<uint32_t>(v);
        continue;
      }
      if (in == '\n' || in == '\r') {
        --j;
        continue;
      }
      if (in != '=' || j < 2) return corrupt_base64(si - 1);
      if (j == 2) {  // "==" expected: the second '='
        skip_newlines();
        if (si == src.size()) return corrupt_base64(src.size());
        if (src[si] != '=') return corrupt_base64(si - 1);
        ++si;
      }
      skip_newlines();
      if (si < src.size()) return corrupt_base64(si);  // data after the padding
      have = j;
      break;
    }
    const uint32_t v = quantum[0] << 18 | quantum[1] << 12 | quantum[2] << 6 | quantum[3];
    for (size_t k = 0; k + 1 < have; ++k)
      out += static_cast<char>((v >> (16 - 8 * k)) & 0xff);
  }
  return out;
}

// The Go type jsonpb decodes a field into, as named in Go's "cannot unmarshal" errors.
std::string go_enum_name(const pbuf::EnumDescriptor& e) {
  // etcdserverpb.RangeRequest.SortOrder is Go's etcdserverpb.RangeRequest_SortOrder.
  const std::string& package = e.file()->package();
  std::string name = e.full_name().substr(package.empty() ? 0 : package.size() + 1);
  for (char& c : name) {
    if (c == '.') c = '_';
  }
  return package.empty() ? name : package + "." + name;
}

std::string go_type(const pbuf::FieldDescriptor& f) {
  using F = pbuf::FieldDescriptor;
  switch (f.cpp_type()) {
    case F::CPPTYPE_INT32:
      return "int32";
    case F::CPPTYPE_INT64:
      return "int64";
    case F::CPPTYPE_UINT32:
      return "uint32";
    case F::CPPTYPE_UINT64:
      return "uint64";
    case F::CPPTYPE_DOUBLE:
      return "float64";
    case F::CPPTYPE_FLOAT:
      return "float32";
    case F::CPPTYPE_BOOL:
      return "bool";
    case F::CPPTYPE_ENUM:
      return go_enum_name(*f.enum_type());
    case F::CPPTYPE_STRING:
      return f.type() == F::TYPE_BYTES ? "[]uint8" : "string";
    case F::CPPTYPE_MESSAGE:
      return "map[string]json.RawMessage";
  }
  return "value";
}

Error type_error(std::string_view what, std::string_view go_type) {
  return Error{"json: cannot unmarshal " + std::string(what) + " into Go value of type " +
               std::string(go_type)};
}

// A field's value as protobuf JSON; nullopt when Go leaves the field unset (JSON null).
using Emit = std::optional<std::string>;

std::string zero_value(const pbuf::FieldDescriptor& f) {
  using F = pbuf::FieldDescriptor;
  switch (f.cpp_type()) {
    case F::CPPTYPE_MESSAGE:
      return "{}";
    case F::CPPTYPE_STRING:
      return "\"\"";
    case F::CPPTYPE_BOOL:
      return "false";
    default:
      return "0";
  }
}

// Go's strconv.ParseInt/ParseUint of a JSON number into the field's integer type, and
// encoding/json's overflow check; the value written back in decimal.
std::optional<std::string> integer_text(std::string_view literal, const pbuf::FieldDescriptor& f) {
  using F = pbuf::FieldDescriptor;
  const char* end = literal.data() + literal.size();
  if (f.cpp_type() == F::CPPTYPE_UINT32 || f.cpp_type() == F::CPPTYPE_UINT64) {
    uint64_t v = 0;
    const auto [p, ec] = std::from_chars(literal.data(), end, v);
    if (ec != std::errc{} || p != end) return std::nullopt;
    if (f.cpp_type() == F::CPPTYPE_UINT32 && v > UINT32_MAX) return std::nullopt;
    return std::to_string(v);
  }
  int64_t v = 0;
  const auto [p, ec] = std::from_chars(literal.data(), end, v);
  if (ec != std::errc{} || p != end) return std::nullopt;
  const bool narrow = f.cpp_type() == F::CPPTYPE_INT32 || f.cpp_type() == F::CPPTYPE_ENUM;
  if (narrow && (v < INT32_MIN || v > INT32_MAX)) return std::nullopt;
  return std::to_string(v);
}

// How many levels messages may nest in a request (a txn in a txn ...): protobuf's own
// parsers stop there, and so would our gRPC server.
constexpr int kMaxMessageDepth = 100;

Result<void> write_message(std::string_view raw, const pbuf::Descriptor& d, int depth,
                           std::string& out);

// Integers: a number, or (jsonpb) a string whose inside is read as JSON again.
Result<Emit> integer(std::string_view raw, const pbuf::FieldDescriptor& f) {
  std::string_view n = raw;
  if (kind_of(raw) == Kind::string) {
    n = raw.substr(1, raw.size() - 2);
    if (auto checked = GoScanner::scan(n, GoScanner::Mode::whole); !checked) {
      return checked.error();
    }
    n = trim_space(n);
  }
  const Kind kind = kind_of(n);
  if (kind == Kind::null) return Emit{};
  if (kind != Kind::number) return type_error(kind_name(kind), go_type(f));
  auto text = integer_text(n, f);
  if (!text) return type_error("number " + std::string(n), go_type(f));
  return Emit{"\"" + *text + "\""};
}

// Enums: by name (the quoted text as sent, not unescaped: jsonpb does not unquote it) or
// by number; unknown numbers are kept, as proto3 enums are open.
Result<Emit> enumeration(std::string_view raw, const pbuf::FieldDescriptor& f) {
  const Kind kind = kind_of(raw);
  if (kind == Kind::null) return Emit{};
  if (kind == Kind::string) {
    const std::string_view name = raw.substr(1, raw.size() - 2);
    const auto* value = f.enum_type()->FindValueByName(std::string(name));
    if (value == nullptr) {
      return Error{"unknown value " + go_quote(name) + " for enum " + go_type(f)};
    }
    return Emit{std::to_string(value->number())};
  }
  if (kind != Kind::number) return type_error(kind_name(kind), go_type(f));
  auto text = integer_text(raw, f);
  if (!text) return type_error("number " + std::string(raw), go_type(f));
  return Emit{*text};
}

// A byte of a []byte given as an array of numbers.
Result<void> append_byte(std::string_view raw, std::string& data) {
  unsigned value = 0;
  const Kind kind = kind_of(raw);
  if (kind == Kind::number) {
    const char* end = raw.data() + raw.size();
    const auto [p, ec] = std::from_chars(raw.data(), end, value);
    if (ec != std::errc{} || p != end || value > 0xff) {
      return type_error("number " + std::string(raw), "uint8");
    }
  } else if (kind != Kind::null) {
    return type_error(kind_name(kind), "uint8");
  }
  data += static_cast<char>(value);
  return Ok{};
}

// bytes: base64 (Go's standard encoding, strictly), or an array of numbers (Go's
// encoding/json reads []byte from either); written back as canonical base64.
Result<Emit> bytes(std::string_view raw) {
  const Kind kind = kind_of(raw);
  if (kind == Kind::null) return Emit{};
  std::string data;
  if (kind == Kind::string) {
    auto decoded = go_base64_decode(string_value(raw));
    if (!decoded) return decoded.error();
    data = std::move(decoded).value();
  } else if (kind == Kind::array) {
    auto r = for_each_element(raw, [&](std::string_view item) { return append_byte(item, data); });
    if (!r) return r.error();
  } else {
    return type_error(kind_name(kind), "[]uint8");
  }
  return Emit{"\"" + base64_encode(data) + "\""};
}

// One value of a field (an element, for a repeated one).
Result<Emit> element(std::string_view raw, const pbuf::FieldDescriptor& f, int depth) {
  using F = pbuf::FieldDescriptor;
  const Kind kind = kind_of(raw);
  switch (f.cpp_type()) {
    case F::CPPTYPE_MESSAGE: {
      if (kind == Kind::null) return Emit{};
      std::string out;
      if (auto r = write_message(raw, *f.message_type(), depth + 1, out); !r) return r.error();
      return Emit{std::move(out)};
    }
    case F::CPPTYPE_ENUM:
      return enumeration(raw, f);
    case F::CPPTYPE_STRING:
      if (f.type() == F::TYPE_BYTES) return bytes(raw);
      if (kind == Kind::null) return Emit{};
      if (kind != Kind::string) return type_error(kind_name(kind), "string");
      return Emit{json_string(string_value(raw))};
    case F::CPPTYPE_BOOL:
      if (kind == Kind::null) return Emit{};
      if (kind != Kind::boolean) return type_error(kind_name(kind), "bool");
      return Emit{std::string(raw)};
    case F::CPPTYPE_DOUBLE:
    case F::CPPTYPE_FLOAT:  // etcd's API has none: protobuf's own reading is enough
      if (kind == Kind::null) return Emit{};
      return Emit{std::string(raw)};
    default:
      return integer(raw, f);
  }
}

Result<Emit> repeated(std::string_view raw, const pbuf::FieldDescriptor& f, int depth) {
  const Kind kind = kind_of(raw);
  if (kind == Kind::null) return Emit{};
  if (kind != Kind::array) return type_error(kind_name(kind), "[]json.RawMessage");
  std::string out = "[";
  auto r = for_each_element(raw, [&](std::string_view item) -> Result<void> {
    auto e = element(item, f, depth);
    if (!e) return e.error();
    if (out.size() > 1) out += ',';
    out += e->value_or(zero_value(f));  // a null element stays the zero value
    return Ok{};
  });
  if (!r) return r.error();
  return Emit{out + "]"};
}

// An object's members by name; of repeated names the last counts (Go reads them into a map).
using Members = std::unordered_map<std::string, std::string_view>;

// jsonpb accepts the proto name and the lowerCamel JSON name; given both, the latter.
const std::string_view* find_member(const Members& members, const pbuf::FieldDescriptor& f) {
  if (auto it = members.find(f.json_name()); it != members.end()) return &it->second;
  if (auto it = members.find(f.name()); it != members.end()) return &it->second;
  return nullptr;
}

void append_member(std::string& out, const pbuf::FieldDescriptor& f, const std::string& value) {
  if (out.size() > 1) out += ',';
  append_json_string(out, f.name());
  out += ':';
  out += value;
}

// A oneof: jsonpb sets it even for null (to the zero value); given several members, one
// wins (the last here).
Result<void> write_oneof(const Members& members, const pbuf::OneofDescriptor& oneof, int depth,
                         std::string& body) {
  const pbuf::FieldDescriptor* chosen = nullptr;
  std::string chosen_value;
  for (int i = 0; i < oneof.field_count(); ++i) {
    const std::string_view* value = find_member(members, *oneof.field(i));
    if (value == nullptr) continue;
    auto e = element(*value, *oneof.field(i), depth);
    if (!e) return e.error();
    chosen = oneof.field(i);
    chosen_value = e->value_or(zero_value(*chosen));
  }
  if (chosen) append_member(body, *chosen, chosen_value);
  return Ok{};
}

// A message: jsonpb takes the plain fields in declaration order, then the oneofs; unknown
// members are ignored. Writes protobuf JSON with proto names to `out`.
Result<void> write_message(std::string_view raw, const pbuf::Descriptor& d, int depth,
                           std::string& out) {
  const Kind kind = kind_of(raw);
  if (kind == Kind::null) {
    out += "{}";
    return Ok{};
  }
  if (kind != Kind::object) return type_error(kind_name(kind), "map[string]json.RawMessage");
  if (depth >= kMaxMessageDepth) {
    return Error{"message nesting too deep (limit " + std::to_string(kMaxMessageDepth) + ")"};
  }
  Members members;
  for_each_member(raw, [&](std::string key, std::string_view value) { members[key] = value; });
  std::string body = "{";
  for (int i = 0; i < d.field_count(); ++i) {
    const auto& f = *d.field(i);
    const std::string_view* value = f.real_containing_oneof() ? nullptr : find_member(members, f);
    if (value == nullptr) continue;
    auto e = f.is_repeated() ? repeated(*value, f, depth) : element(*value, f, depth);
    if (!e) return e.error();
    if (*e) append_member(body, f, **e);
  }
  for (int o = 0; o < d.real_oneof_decl_count(); ++o) {
    if (auto r = write_oneof(members, *d.oneof_decl(o), depth, body); !r) return r;
  }
  out += body + "}";
  return Ok{};
}

// ---- 3. Answers ------------------------------------------------------------------------

// Go's http.StatusText for the statuses grpc-gateway gives.
std::string_view status_text(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 429:
      return "Too Many Requests";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Internal Server Error";
  }
}

constexpr std::string_view kJson = "application/json";
// grpc-go's text for a call past its deadline.
constexpr std::string_view kDeadlineExceeded = "context deadline exceeded";

// Go's htmlEscape (net/http's redirect body).
std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The client's own deadline in grpc-go's words, which etcd's gateway relays.
grpc::Status go_status(const grpc::Status& status) {
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED &&
      status.error_message() == "Deadline Exceeded") {
    return grpc::Status(status.error_code(), std::string(kDeadlineExceeded));
  }
  return status;
}

// Every answer to one exchange: its request's CORS headers first (etcd's AccessController
// adds them before routing), then what grpc-gateway v1 writes.
class Answer {
 public:
  Answer(std::shared_ptr<http::Exchange> exchange, const api::Cors& cors)
      : exchange_(std::move(exchange)) {
    cors.apply(exchange_->request(), base_);
  }

  const http::Request& request() const { return exchange_->request(); }
  http::Exchange& exchange() { return *exchange_; }

  // Go's http.Error: routing failures (404, 405).
  void plain(int status, std::string_view text) {
    http::Response r = head(status);
    r.set("Content-Type", "text/plain; charset=utf-8");
    r.set("X-Content-Type-Options", "nosniff");
    r.body = std::string(text);
    exchange_->respond(std::move(r));
  }
  // OPTIONS: the CORS headers alone.
  void empty() { exchange_->respond(head(200)); }
  // Go's ServeMux sends a path that is not clean to its clean form.
  void redirect(const std::string& location) {
    http::Response r = head(301);
    r.set("Location", location);
    const std::string& method = request().method;
    if (method == "GET" || method == "HEAD") r.set("Content-Type", "text/html; charset=utf-8");
    if (method == "GET")
      r.body = "<a href=\"" + html_escape(location) + "\">Moved Permanently</a>.\n\n";
    exchange_->respond(std::move(r));
  }
  // A failure before any call (a bad body or Grpc-Timeout): a plain JSON response.
  void failure(grpc::StatusCode code, std::string_view message) {
    http::Response r = head(gateway::http_status(code));
    r.set("Content-Type", std::string(kJson));
    r.body = gateway::error_json(code, message);
    exchange_->respond(std::move(r));
  }
  // A unary call's outcome. A failed call's answer is chunked as etcd's is (Go declares a
  // trailer for the gRPC trailers, which the chunked framing then carries; ours has no
  // trailer fields).
  void unary(const grpc::Status& call_status, const pbuf::Message& response) {
    const grpc::Status status = go_status(call_status);
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      return failure(status.error_code(), status.error_message());  // no server trailer
    }
    if (!status.ok()) {
      exchange_->begin_stream(json_head(gateway::http_status(status.error_code()), false));
      exchange_->end_stream_with(gateway::error_json(status.error_code(), status.error_message()));
      return;
    }
    http::Response r = json_head(200, true);
    r.body = gateway::to_json(response);
    exchange_->respond(std::move(r));
  }
  // Stream messages, one {"result":...}\n chunk each. The head goes with the first (as Go
  // writes it on the first Write), so a stream's status can still be its error's.
  // `grpc_metadata`: whether the call got the server's headers (Go waits for them once it
  // has sent a request).
  void stream_message(const pbuf::Message& message, bool grpc_metadata) {
    begin(200, grpc_metadata);
    exchange_->write_chunk("{\"result\":" + gateway::to_json(message) + "}\n");
  }
  void stream_end(const grpc::Status& call_status, bool grpc_metadata) {
    const grpc::Status status = go_status(call_status);
    if (status.ok()) {
      begin(200, grpc_metadata);
      return exchange_->end_stream();
    }
    begin(gateway::http_status(status.error_code()), grpc_metadata);
    exchange_->end_stream_with(
        gateway::stream_error_json(status.error_code(), status.error_message()));
  }

 private:
  http::Response head(int status) const {
    http::Response r = base_;
    r.status = status;
    return r;
  }
  http::Response json_head(int status, bool grpc_metadata) const {
    http::Response r = head(status);
    r.set("Content-Type", std::string(kJson));
    // What grpc-go's client reports as the server's header metadata, which grpc-gateway
    // forwards with its Grpc-Metadata- prefix.
    if (grpc_metadata) r.set("Grpc-Metadata-Content-Type", "application/grpc");
    return r;
  }
  void begin(int status, bool grpc_metadata) {
    if (streaming_) return;
    streaming_ = true;
    exchange_->begin_stream(json_head(status, grpc_metadata));
  }

  std::shared_ptr<http::Exchange> exchange_;
  http::Response base_;
  bool streaming_ = false;
};

// ---- 4. Relays and routes ----------------------------------------------------------------

struct Stubs {
  explicit Stubs(const std::shared_ptr<grpc::Channel>& channel)
      : kv(pb::KV::NewStub(channel)),
        watch(pb::Watch::NewStub(channel)),
        lease(pb::Lease::NewStub(channel)),
        cluster(pb::Cluster::NewStub(channel)),
        maintenance(pb::Maintenance::NewStub(channel)),
        auth(pb::Auth::NewStub(channel)) {}
  std::unique_ptr<pb::KV::Stub> kv;
  std::unique_ptr<pb::Watch::Stub> watch;
  std::unique_ptr<pb::Lease::Stub> lease;
  std::unique_ptr<pb::Cluster::Stub> cluster;
  std::unique_ptr<pb::Maintenance::Stub> maintenance;
  std::unique_ptr<pb::Auth::Stub> auth;
};

// grpc-gateway's Grpc-Timeout header: digits and a unit (H, M, S, m, u, n).
std::optional<std::chrono::nanoseconds> parse_grpc_timeout(std::string_view s) {
  using namespace std::chrono;
  if (s.size() < 2) return std::nullopt;
  static const std::unordered_map<char, nanoseconds> kUnits = {
      {'H', hours(1)},        {'M', minutes(1)},      {'S', seconds(1)},
      {'m', milliseconds(1)}, {'u', microseconds(1)}, {'n', nanoseconds(1)}};
  const auto unit = kUnits.find(s.back());
  if (unit == kUnits.end()) return std::nullopt;
  std::string_view digits = s.substr(0, s.size() - 1);
  if (digits.starts_with('+')) digits.remove_prefix(1);  // Go's ParseInt takes a sign
  int64_t n = 0;
  const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc{} || p != digits.data() + digits.size()) return std::nullopt;
  // Kept within a century so that the deadline arithmetic cannot overflow.
  const int64_t limit = duration_cast<nanoseconds>(hours(24 * 365 * 100)).count();
  const int64_t per = unit->second.count();
  if (n > limit / per) n = limit / per;
  if (n < -limit / per) n = -limit / per;
  return nanoseconds(n * per);
}

bool valid_metadata(std::string_view key, std::string_view value) {
  if (key.empty() || key.starts_with("grpc-") || key.ends_with("-bin")) return false;
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_' || c == '.')) return false;
  }
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// grpc-gateway's AnnotateContext: Grpc-Timeout becomes the deadline; Authorization and
// Grpc-Metadata-* headers become metadata (etcd reads its auth token from "authorization").
Result<std::shared_ptr<grpc::ClientContext>> client_context(const http::Request& request) {
  auto context = std::make_shared<grpc::ClientContext>();
  if (const std::string* timeout = request.header("Grpc-Timeout")) {
    const auto d = parse_grpc_timeout(*timeout);
    if (!d) return Error{"invalid grpc-timeout: " + *timeout};
    context->set_deadline(std::chrono::system_clock::now() + *d);
  }
  static constexpr std::string_view kPrefix = "grpc-metadata-";
  for (const auto& h : request.headers) {
    std::string key = h.name;
    for (char& c : key)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key.starts_with(kPrefix))
      key.erase(0, kPrefix.size());
    else if (key != "authorization")
      continue;
    if (valid_metadata(key, h.value)) context->AddMetadata(key, h.value);
  }
  return context;
}

// grpc-go fails a call whose deadline has already passed without sending it (a tiny
// Grpc-Timeout); the in-process transport could still complete it in time.
bool expired(const grpc::ClientContext& context) {
  return context.deadline() <= std::chrono::system_clock::now();
}
// A client that goes away cancels its call (grpc-gateway cancels the call's context when
// the connection closes): a watch it held is freed at once.
void cancel_on_abort(http::Exchange& exchange, const std::shared_ptr<grpc::ClientContext>& c) {
  exchange.on_abort([weak = std::weak_ptr<grpc::ClientContext>(c)] {
    if (auto context = weak.lock()) context->TryCancel();
  });
}

using Route = std::function<void(const Stubs&, Answer)>;

template <typename Request, typename Response>
struct UnaryState {
  std::shared_ptr<grpc::ClientContext> context;
  Request request;
  Response response;
};

// A unary call: the body's first value is the request (nothing: an empty request).
// `invoke(stubs, context, request, response, done)` starts the generated async call.
template <typename Request, typename Response, typename Invoke>
Route unary(Invoke invoke) {
  return [invoke](const Stubs& stubs, Answer answer) {
    auto state = std::make_shared<UnaryState<Request, Response>>();
    auto context = client_context(answer.request());
    if (!context)
      return answer.failure(grpc::StatusCode::INVALID_ARGUMENT, context.error().message);
    state->context = std::move(context).value();
    if (auto r = gateway::BodyDecoder(answer.request().body).next(state->request); !r) {
      return answer.failure(grpc::StatusCode::INVALID_ARGUMENT, r.error().message);
    }
    if (expired(*state->context)) {
      return answer.failure(grpc::StatusCode::DEADLINE_EXCEEDED, kDeadlineExceeded);
    }
    cancel_on_abort(answer.exchange(), state->context);
    auto* s = state.get();
    invoke(stubs, s->context.get(), &s->request, &s->response,
           [state, answer = std::move(answer)](grpc::Status status) mutable {
             answer.unary(status, state->response);
           });
  };
}

// The part of a stream relay both stream shapes share: responses in, HTTP chunks out.
template <typename Response>
class StreamOut {
 public:
  StreamOut(Answer answer, std::shared_ptr<grpc::ClientContext> context, bool grpc_metadata)
      : answer_(std::move(answer)), context_(std::move(context)), grpc_metadata_(grpc_metadata) {
    cancel_on_abort(answer_.exchange(), context_);
  }
  grpc::ClientContext* context() { return context_.get(); }
  Response* response() { return &response_; }
  // One response arrived. Memory stays bounded for a slow HTTP client because the next
  // read starts only after this one is handed over, and the HTTP layer cuts a stream off
  // (aborting the exchange, so cancelling the call) once too much is left unwritten.
  void relay() {
    answer_.stream_message(response_, grpc_metadata_);
    response_.Clear();
  }
  void end(const grpc::Status& status) { answer_.stream_end(status, grpc_metadata_); }

 private:
  Answer answer_;
  std::shared_ptr<grpc::ClientContext> context_;  // shared with the abort callback
  bool grpc_metadata_;
  Response response_;
};

// A bidirectional stream (watch, lease keep-alive): the body's requests are sent in order,
// then the sending side is closed, as grpc-gateway does; the server decides whether the
// stream then ends (keep-alive) or stays open until the client goes away (watch).
template <typename Request, typename Response>
class BidiRelay final : public grpc::ClientBidiReactor<Request, Response> {
 public:
  BidiRelay(Answer answer, std::shared_ptr<grpc::ClientContext> context,
            std::vector<Request> requests)
      : out_(std::move(answer), std::move(context), !requests.empty()),
        requests_(std::move(requests)) {}

  template <typename Invoke>
  void start(Invoke invoke) {
    invoke(out_.context(), this);
    this->StartRead(out_.response());
    write_next();
    this->StartCall();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) return;  // the call is over: OnDone follows
    ++written_;
    write_next();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    out_.relay();
    this->StartRead(out_.response());
  }
  void OnDone(const grpc::Status& status) override {
    out_.end(status);
    delete this;
  }

 private:
  void write_next() {
    if (written_ < requests_.size()) return this->StartWrite(&requests_[written_]);
    this->StartWritesDone();
  }

  StreamOut<Response> out_;
  std::vector<Request> requests_;
  size_t written_ = 0;
};

// A server stream (snapshot): one request, then every response.
template <typename Request, typename Response>
class ReadRelay final : public grpc::ClientReadReactor<Response> {
 public:
  ReadRelay(Answer answer, std::shared_ptr<grpc::ClientContext> context, Request request)
      : out_(std::move(answer), std::move(context), true), request_(std::move(request)) {}

  template <typename Invoke>
  void start(Invoke invoke) {
    invoke(out_.context(), &request_, this);
    this->StartRead(out_.response());
    this->StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    out_.relay();
    this->StartRead(out_.response());
  }
  void OnDone(const grpc::Status& status) override {
    out_.end(status);
    delete this;
  }

 private:
  StreamOut<Response> out_;
  Request request_;
};

// grpc-gateway reads a stream's requests from the body as it sends them: a bad first one
// fails the call — with Go's plain error, which has no gRPC code: Unknown, 500 — and a
// bad later one just ends the sending.
template <typename Request>
Result<std::vector<Request>> stream_requests(std::string_view body) {
  std::vector<Request> requests;
  gateway::BodyDecoder decoder(body);
  while (true) {
    Request request;
    auto more = decoder.next(request);
    if (!more && requests.empty()) return more.error();
    if (!more || !*more) return requests;
    requests.push_back(std::move(request));
  }
}

template <typename Request, typename Response, typename Invoke>
Route bidi(Invoke invoke) {
  return [invoke](const Stubs& stubs, Answer answer) {
    auto context = client_context(answer.request());
    if (!context)
      return answer.failure(grpc::StatusCode::INVALID_ARGUMENT, context.error().message);
    if (expired(**context)) {
      return answer.failure(grpc::StatusCode::DEADLINE_EXCEEDED, kDeadlineExceeded);
    }
    auto requests = stream_requests<Request>(answer.request().body);
    if (!requests) return answer.failure(grpc::StatusCode::UNKNOWN, requests.error().message);
    auto* relay = new BidiRelay<Request, Response>(std::move(answer), std::move(context).value(),
                                                   std::move(requests).value());
    relay->start([&](auto... args) { invoke(stubs, args...); });
  };
}

template <typename Request, typename Response, typename Invoke>
Route server_stream(Invoke invoke) {
  return [invoke](const Stubs& stubs, Answer answer) {
    auto context = client_context(answer.request());
    if (!context)
      return answer.failure(grpc::StatusCode::INVALID_ARGUMENT, context.error().message);
    Request request;
    if (auto r = gateway::BodyDecoder(answer.request().body).next(request); !r) {
      return answer.failure(grpc::StatusCode::INVALID_ARGUMENT, r.error().message);
    }
    if (expired(**context)) {
      return answer.failure(grpc::StatusCode::DEADLINE_EXCEEDED, kDeadlineExceeded);
    }
    auto* relay = new ReadRelay<Request, Response>(std::move(answer), std::move(context).value(),
                                                   std::move(request));
    relay->start([&](auto... args) { invoke(stubs, args...); });
  };
}

// The Auth service's routes. etcd 3.4 serves them; until our gRPC server has an Auth
// service, its answer (Unimplemented: 501) is what the gateway relays.
void add_auth_routes(std::unordered_map<std::string_view, Route>& r) {
  r["auth/enable"] = unary<pb::AuthEnableRequest, pb::AuthEnableResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->AuthEnable(a...); });
  r["auth/disable"] = unary<pb::AuthDisableRequest, pb::AuthDisableResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->AuthDisable(a...); });
  r["auth/authenticate"] = unary<pb::AuthenticateRequest, pb::AuthenticateResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->Authenticate(a...); });
  r["auth/user/add"] = unary<pb::AuthUserAddRequest, pb::AuthUserAddResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->UserAdd(a...); });
  r["auth/user/get"] = unary<pb::AuthUserGetRequest, pb::AuthUserGetResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->UserGet(a...); });
  r["auth/user/list"] = unary<pb::AuthUserListRequest, pb::AuthUserListResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->UserList(a...); });
  r["auth/user/delete"] = unary<pb::AuthUserDeleteRequest, pb::AuthUserDeleteResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->UserDelete(a...); });
  r["auth/user/changepw"] =
      unary<pb::AuthUserChangePasswordRequest, pb::AuthUserChangePasswordResponse>(
          [](const Stubs& s, auto... a) { s.auth->async()->UserChangePassword(a...); });
  r["auth/user/grant"] = unary<pb::AuthUserGrantRoleRequest, pb::AuthUserGrantRoleResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->UserGrantRole(a...); });
  r["auth/user/revoke"] = unary<pb::AuthUserRevokeRoleRequest, pb::AuthUserRevokeRoleResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->UserRevokeRole(a...); });
  r["auth/role/add"] = unary<pb::AuthRoleAddRequest, pb::AuthRoleAddResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->RoleAdd(a...); });
  r["auth/role/get"] = unary<pb::AuthRoleGetRequest, pb::AuthRoleGetResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->RoleGet(a...); });
  r["auth/role/list"] = unary<pb::AuthRoleListRequest, pb::AuthRoleListResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->RoleList(a...); });
  r["auth/role/delete"] = unary<pb::AuthRoleDeleteRequest, pb::AuthRoleDeleteResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->RoleDelete(a...); });
  r["auth/role/grant"] =
      unary<pb::AuthRoleGrantPermissionRequest, pb::AuthRoleGrantPermissionResponse>(
          [](const Stubs& s, auto... a) { s.auth->async()->RoleGrantPermission(a...); });
  r["auth/role/revoke"] =
      unary<pb::AuthRoleRevokePermissionRequest, pb::AuthRoleRevokePermissionResponse>(
          [](const Stubs& s, auto... a) { s.auth->async()->RoleRevokePermission(a...); });
}

// etcd 3.4's routes (the google.api.http options of rpc.proto), under /v3/. Not here:
// /v3/lock/* and /v3/election/* (v3lockpb, v3electionpb: we have no such services, so
// they answer 404 like any unknown route) and HashKV, whose /v3/maintenance/hash is Hash's
// (etcd 3.4 registers both on that path and Hash's answers).
std::unordered_map<std::string_view, Route> make_routes() {
  std::unordered_map<std::string_view, Route> r;
  r["kv/range"] = unary<pb::RangeRequest, pb::RangeResponse>(
      [](const Stubs& s, auto... a) { s.kv->async()->Range(a...); });
  r["kv/put"] = unary<pb::PutRequest, pb::PutResponse>(
      [](const Stubs& s, auto... a) { s.kv->async()->Put(a...); });
  r["kv/deleterange"] = unary<pb::DeleteRangeRequest, pb::DeleteRangeResponse>(
      [](const Stubs& s, auto... a) { s.kv->async()->DeleteRange(a...); });
  r["kv/txn"] = unary<pb::TxnRequest, pb::TxnResponse>(
      [](const Stubs& s, auto... a) { s.kv->async()->Txn(a...); });
  r["kv/compaction"] = unary<pb::CompactionRequest, pb::CompactionResponse>(
      [](const Stubs& s, auto... a) { s.kv->async()->Compact(a...); });

  r["watch"] = bidi<pb::WatchRequest, pb::WatchResponse>(
      [](const Stubs& s, auto... a) { s.watch->async()->Watch(a...); });

  r["lease/grant"] = unary<pb::LeaseGrantRequest, pb::LeaseGrantResponse>(
      [](const Stubs& s, auto... a) { s.lease->async()->LeaseGrant(a...); });
  r["lease/revoke"] = r["kv/lease/revoke"] = unary<pb::LeaseRevokeRequest, pb::LeaseRevokeResponse>(
      [](const Stubs& s, auto... a) { s.lease->async()->LeaseRevoke(a...); });
  r["lease/keepalive"] = bidi<pb::LeaseKeepAliveRequest, pb::LeaseKeepAliveResponse>(
      [](const Stubs& s, auto... a) { s.lease->async()->LeaseKeepAlive(a...); });
  r["lease/timetolive"] = r["kv/lease/timetolive"] =
      unary<pb::LeaseTimeToLiveRequest, pb::LeaseTimeToLiveResponse>(
          [](const Stubs& s, auto... a) { s.lease->async()->LeaseTimeToLive(a...); });
  r["lease/leases"] = r["kv/lease/leases"] = unary<pb::LeaseLeasesRequest, pb::LeaseLeasesResponse>(
      [](const Stubs& s, auto... a) { s.lease->async()->LeaseLeases(a...); });

  r["cluster/member/add"] = unary<pb::MemberAddRequest, pb::MemberAddResponse>(
      [](const Stubs& s, auto... a) { s.cluster->async()->MemberAdd(a...); });
  r["cluster/member/remove"] = unary<pb::MemberRemoveRequest, pb::MemberRemoveResponse>(
      [](const Stubs& s, auto... a) { s.cluster->async()->MemberRemove(a...); });
  r["cluster/member/update"] = unary<pb::MemberUpdateRequest, pb::MemberUpdateResponse>(
      [](const Stubs& s, auto... a) { s.cluster->async()->MemberUpdate(a...); });
  r["cluster/member/list"] = unary<pb::MemberListRequest, pb::MemberListResponse>(
      [](const Stubs& s, auto... a) { s.cluster->async()->MemberList(a...); });
  r["cluster/member/promote"] = unary<pb::MemberPromoteRequest, pb::MemberPromoteResponse>(
      [](const Stubs& s, auto... a) { s.cluster->async()->MemberPromote(a...); });

  r["maintenance/alarm"] = unary<pb::AlarmRequest, pb::AlarmResponse>(
      [](const Stubs& s, auto... a) { s.maintenance->async()->Alarm(a...); });
  r["maintenance/status"] = unary<pb::StatusRequest, pb::StatusResponse>(
      [](const Stubs& s, auto... a) { s.maintenance->async()->Status(a...); });
  r["maintenance/defragment"] = unary<pb::DefragmentRequest, pb::DefragmentResponse>(
      [](const Stubs& s, auto... a) { s.maintenance->async()->Defragment(a...); });
  r["maintenance/hash"] = unary<pb::HashRequest, pb::HashResponse>(
      [](const Stubs& s, auto... a) { s.maintenance->async()->Hash(a...); });
  r["maintenance/snapshot"] = server_stream<pb::SnapshotRequest, pb::SnapshotResponse>(
      [](const Stubs& s, auto... a) { s.maintenance->async()->Snapshot(a...); });
  r["maintenance/transfer-leadership"] = unary<pb::MoveLeaderRequest, pb::MoveLeaderResponse>(
      [](const Stubs& s, auto... a) { s.maintenance->async()->MoveLeader(a...); });

  add_auth_routes(r);
  return r;
}

// ---- Paths ---------------------------------------------------------------------------

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  const char l = static_cast<char>(c | 0x20);
  return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
}

// The decoded path (Go's r.URL.Path, which the routes match). An invalid escape is kept
// as sent (Go refuses such a request outright; here it matches no route).
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Go's ServeMux cleanPath: path.Clean, keeping a trailing slash.
std::string clean_path(std::string_view p) {
  std::vector<std::string_view> parts;
  for (size_t i = 0; i <= p.size();) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    const std::string_view part = p.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (std::string_view part : parts) {
    out += '/';
    out += part;
  }
  if (out.empty()) return "/";
  if (p.ends_with('/')) out += '/';
  return out;
}

// Go's url.URL.EscapedPath, for a redirect's Location.
std::string escape_path(std::string_view p) {
  static constexpr std::string_view kKept = "-_.~$&+,/:;=@";
  std::string out;
  for (char c : p) {
    if (std::isalnum(static_cast<unsigned char>(c)) || kKept.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += hex_escape("%%%02X", static_cast<unsigned char>(c));
    }
  }
  return out;
}

class Gateway {
 public:
  Gateway(const std::shared_ptr<grpc::Channel>& channel, std::vector<std::string> cors)
      : stubs_(channel), cors_{std::move(cors)}, routes_(make_routes()) {}

  // etcd's order: /v3beta/ becomes /v3/, OPTIONS is answered, an unclean path is
  // redirected (Go's ServeMux), then grpc-gateway routes: unknown 404, not POST 405.
  void serve(std::shared_ptr<http::Exchange> exchange) const {
    Answer answer(std::move(exchange), cors_);
    const http::Request& request = answer.request();
    if (request.method == "OPTIONS") return answer.empty();
    std::string path = percent_decode(request.path());
    if (path.starts_with("/v3beta/")) path.replace(0, 8, "/v3/");
    if (const std::string clean = clean_path(path); clean != path) {
      std::string location = escape_path(clean);
      if (!request.query().empty()) location += "?" + std::string(request.query());
      return answer.redirect(location);
    }
    const auto route =
        path.starts_with("/v3/") ? routes_.find(std::string_view(path).substr(4)) : routes_.end();
    if (route == routes_.end()) return answer.plain(404, "Not Found\n");
    if (request.method != "POST") return answer.plain(405, "Method Not Allowed\n");
    route->second(stubs_, std::move(answer));
  }

 private:
  Stubs stubs_;
  api::Cors cors_;
  std::unordered_map<std::string_view, Route> routes_;
};

}  // namespace

bool is_gateway_path(std::string_view path) {
  return path.starts_with("/v3/") || path.starts_with("/v3beta/");
}

http::Handler make_gateway(std::shared_ptr<grpc::Channel> channel, std::vector<std::string> cors) {
  auto gateway = std::make_shared<const Gateway>(channel, std::move(cors));
  return
      [gateway](std::shared_ptr<http::Exchange> exchange) { gateway->serve(std::move(exchange)); };
}

namespace gateway {

Result<bool> BodyDecoder::next(pbuf::Message& out) {
  out.Clear();
  while (!rest_.empty() && is_space(rest_.front()))
    rest_.remove_prefix(1);
  if (rest_.empty()) return false;
  auto length = GoScanner::scan(rest_, GoScanner::Mode::stream);
  if (!length) return length.error();
  const std::string_view value = rest_.substr(0, *length);  // no leading space left
  rest_.remove_prefix(*length);
  // Checked and normalised with Go's rules, the value is plain protobuf JSON: protobuf's
  // own reader builds the message (its rules are laxer than Go's, which is why it does
  // not see the body itself: it would take unknown enum names, unpadded base64, "1e2").
  std::string json;
  if (auto r = write_message(value, *out.GetDescriptor(), 0, json); !r) return r.error();
  const auto status = pbuf::util::JsonStringToMessage(json, &out);
  if (!status.ok()) return Error{std::string(status.message())};
  return true;
}

std::string to_json(const pbuf::Message& message) {
  pbuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;  // jsonpb's OrigName
  std::string out;
  // Printing fails only for messages protobuf itself could not serialise.
  if (!pbuf::util::MessageToJsonString(message, &out, options).ok()) return "{}";
  return out;
}

int http_status(grpc::StatusCode code) {
  using C = grpc::StatusCode;
  switch (code) {
    case C::OK:
      return 200;
    case C::CANCELLED:
      return 408;
    case C::INVALID_ARGUMENT:
      return 400;
    case C::DEADLINE_EXCEEDED:
      return 504;
    case C::NOT_FOUND:
      return 404;
    case C::ALREADY_EXISTS:
      return 409;
    case C::PERMISSION_DENIED:
      return 403;
    case C::UNAUTHENTICATED:
      return 401;
    case C::RESOURCE_EXHAUSTED:
      return 429;
    case C::FAILED_PRECONDITION:
      return 412;
    case C::ABORTED:
      return 409;
    case C::OUT_OF_RANGE:
      return 400;
    case C::UNIMPLEMENTED:
      return 501;
    case C::UNAVAILABLE:
      return 503;
    default:
      return 500;  // UNKNOWN, INTERNAL, DATA_LOSS
  }
}

namespace {
// jsonpb leaves out empty strings and zero numbers.
void append_string_member(std::string& out, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  if (out.size() > 1) out += ',';
  out += '"';
  out += name;
  out += "\":";
  append_json_string(out, value);
}
void append_int_member(std::string& out, std::string_view name, int value) {
  if (value == 0) return;
  if (out.size() > 1) out += ',';
  out += '"';
  out += name;
  out += "\":" + std::to_string(value);
}
}  // namespace

// Members in the order etcd 3.4's gateway writes them.
std::string error_json(grpc::StatusCode code, std::string_view message) {
  std::string out = "{";
  append_string_member(out, "error", message);
  append_string_member(out, "message", message);
  append_int_member(out, "code", static_cast<int>(code));
  return out + "}";
}

std::string stream_error_json(grpc::StatusCode code, std::string_view message) {
  const int status = http_status(code);
  std::string out = "{";
  append_int_member(out, "grpc_code", static_cast<int>(code));
  append_int_member(out, "http_code", status);
  append_string_member(out, "message", message);
  append_string_member(out, "http_status", status_text(status));
  return "{\"error\":" + out + "}}";
}

}  // namespace gateway

}  // namespace etcd::v3rpc
