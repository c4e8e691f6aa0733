// jsonpb's reading of JSON into a message (jsonpb.h).
#include "etcd/v3rpc/jsonpb.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <unordered_map>

#include "etcd/common/go_json.h"

namespace etcd::v3rpc::jsonpb {

namespace {

namespace pbuf = google::protobuf;
using namespace go_json;  // NOLINT(google-build-using-namespace): this file is its reader

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
    if (auto checked = scan(n, ScanMode::whole); !checked) {
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

}  // namespace

Result<std::string> to_protobuf_json(std::string_view value, const pbuf::Descriptor& type) {
  std::string out;
  if (auto r = write_message(value, type, 0, out); !r) return r.error();
  return out;
}

}  // namespace etcd::v3rpc::jsonpb
