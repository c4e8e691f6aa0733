#include "etcd/api/v2_json.h"

#include <charconv>

namespace etcd::api {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr int64_t kNsPerSecond = 1'000'000'000;
constexpr int64_t kSecondsPerDay = 86'400;

void append_u64(std::string& out, uint64_t v) {
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out.append(buf, end);
}

void append_i64(std::string& out, int64_t v) {
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out.append(buf, end);
}

// Appends `v` zero-padded to `width` digits.
void append_padded(std::string& out, uint64_t v, int width) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (int i = n; i < width; ++i)
    out.push_back('0');
  while (n > 0)
    out.push_back(buf[--n]);
}

// Bytes Go's encoder copies unchanged with HTML escaping on: printable ASCII except
// '"', '\\', '<', '>' and '&'. (DEL, 0x7f, is copied.)
bool is_safe_ascii(unsigned char b) {
  return b >= 0x20 && b < 0x80 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&';
}

// Length of the valid UTF-8 sequence starting at s[i] (2 to 4 bytes), or 0 when Go's
// utf8.DecodeRuneInString would return RuneError with width 1 (overlong forms,
// surrogates, values above U+10FFFF, truncated or bad continuation bytes).
size_t utf8_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto cont = [&](size_t k, unsigned char lo = 0x80, unsigned char hi = 0xbf) {
    return i + k < s.size() && byte(k) >= lo && byte(k) <= hi;
  };
  unsigned char b0 = byte(0);
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    unsigned char lo = b0 == 0xe0 ? 0xa0 : 0x80;
    unsigned char hi = b0 == 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    unsigned char lo = b0 == 0xf0 ? 0x90 : 0x80;
    unsigned char hi = b0 == 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

void append_escaped_ascii(std::string& out, unsigned char b) {
  switch (b) {
    case '"':
      out.append("\\\"");
      return;
    case '\\':
      out.append("\\\\");
      return;
    case '\n':
      out.append("\\n");
      return;
    case '\r':
      out.append("\\r");
      return;
    case '\t':
      out.append("\\t");
      return;
    default:  // control characters and < > & (Go 1.19 has no \b or \f short forms)
      out.append("\\u00");
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xf]);
  }
}

// Days since 1970-01-01 to a civil date (Howard Hinnant's civil_from_days).
void civil_from_days(int64_t days, int64_t& year, unsigned& month, unsigned& day) {
  days += 719'468;
  const int64_t era = (days >= 0 ? days : days - 146'096) / 146'097;
  const auto doe = static_cast<unsigned>(days - era * 146'097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = doy - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
}

// Writes an object's fields with the commas between them; Go leaves zero fields out, so
// which field comes first is only known as they are written.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_.push_back('{'); }
  // Appends `"name":` (after a comma unless first) and returns the buffer for the value.
  std::string& field(std::string_view name) {
    if (!first_) out_.push_back(',');
    first_ = false;
    out_.push_back('"');
    out_.append(name);
    out_.append("\":");
    return out_;
  }

 private:
  std::string& out_;
  bool first_ = true;
};

void append_key_value_u64(std::string& out, std::string_view quoted_key, uint64_t v) {
  out.append(quoted_key);
  append_u64(out, v);
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    size_t run = i;
    while (run < s.size() && is_safe_ascii(static_cast<unsigned char>(s[run])))
      ++run;
    out.append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      append_escaped_ascii(out, b);
      ++i;
      continue;
    }
    size_t n = utf8_length(s, i);
    if (n == 0) {
      out.append("\\ufffd");
      ++i;
    } else if (n == 3 && b == 0xe2 && s[i + 1] == '\x80' &&
               (s[i + 2] == '\xa8' || s[i + 2] == '\xa9')) {
      out.append(s[i + 2] == '\xa8' ? "\\u2028" : "\\u2029");  // JSONP-safe, as Go
      i += 3;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  out.push_back('"');
}

void append_rfc3339_nano(std::string& out, int64_t unix_ns) {
  int64_t seconds = unix_ns / kNsPerSecond;
  int64_t nanos = unix_ns % kNsPerSecond;
  if (nanos < 0) {
    nanos += kNsPerSecond;
    --seconds;
  }
  int64_t days = seconds / kSecondsPerDay;
  int64_t in_day = seconds % kSecondsPerDay;
  if (in_day < 0) {
    in_day += kSecondsPerDay;
    --days;
  }
  int64_t year = 0;
  unsigned month = 0, day = 0;
  civil_from_days(days, year, month, day);
  append_padded(out, static_cast<uint64_t>(year), 4);  // 1677..2262 for an int64 of ns
  out.push_back('-');
  append_padded(out, month, 2);
  out.push_back('-');
  append_padded(out, day, 2);
  out.push_back('T');
  append_padded(out, static_cast<uint64_t>(in_day / 3600), 2);
  out.push_back(':');
  append_padded(out, static_cast<uint64_t>(in_day / 60 % 60), 2);
  out.push_back(':');
  append_padded(out, static_cast<uint64_t>(in_day % 60), 2);
  if (nanos != 0) {
    std::string fraction;
    append_padded(fraction, static_cast<uint64_t>(nanos), 9);
    fraction.erase(fraction.find_last_not_of('0') + 1);
    out.push_back('.');
    out.append(fraction);
  }
  out.push_back('Z');
}

void append_node(std::string& out, const store::Node& node) {
  ObjectWriter object(out);
  if (!node.key.empty() && node.key != "/") append_json_string(object.field("key"), node.key);
  if (node.value) append_json_string(object.field("value"), *node.value);
  if (node.dir) object.field("dir").append("true");
  if (node.expiration_ns != 0) {
    std::string& o = object.field("expiration");
    o.push_back('"');
    append_rfc3339_nano(o, node.expiration_ns);
    o.push_back('"');
  }
  if (node.ttl_s != 0) append_i64(object.field("ttl"), node.ttl_s);
  if (!node.children.empty()) {
    std::string& o = object.field("nodes");
    o.push_back('[');
    for (size_t i = 0; i < node.children.size(); ++i) {
      if (i != 0) o.push_back(',');
      append_node(o, node.children[i]);
    }
    o.push_back(']');
  }
  if (node.modified_index.value != 0) {
    append_u64(object.field("modifiedIndex"), node.modified_index.value);
  }
  if (node.created_index.value != 0) {
    append_u64(object.field("createdIndex"), node.created_index.value);
  }
  out.push_back('}');
}

void append_event(std::string& out, const store::Event& event) {
  out.append("{\"action\":");
  append_json_string(out, store::action_name(event.action));
  out.append(",\"node\":");
  append_node(out, event.node);
  if (event.prev_node) {
    out.append(",\"prevNode\":");
    append_node(out, *event.prev_node);
  }
  out.append("}\n");
}

std::string render_event(const store::Event& event) {
  std::string out;
  out.reserve(256);
  append_event(out, event);
  return out;
}

void append_error(std::string& out, const store::StoreError& error) {
  append_key_value_u64(out, "{\"errorCode\":", static_cast<uint64_t>(error.code));
  out.append(",\"message\":");
  append_json_string(out, error.message());
  if (!error.cause.empty()) {
    out.append(",\"cause\":");
    append_json_string(out, error.cause);
  }
  append_key_value_u64(out, ",\"index\":", error.index.value);
  out.append("}\n");
}

std::string render_error(const store::StoreError& error) {
  std::string out;
  out.reserve(128);
  append_error(out, error);
  return out;
}

std::string render_stats(const store::Stats& stats) {
  std::string out;
  out.reserve(512);
  out.push_back('{');
  for (const store::StatsField& field : store::kStatsFields) {
    if (out.size() > 1) out.push_back(',');
    out.push_back('"');
    out.append(field.json_name);
    out.append("\":");
    append_u64(out, stats.*field.member);
  }
  out.push_back('}');
  return out;
}

}  // namespace etcd::api
