#include "agents/fleet/machine_patch.h"

#include <nlohmann/json.hpp>

#include "agents/fleet/go_text.h"

namespace corestack::fleet {
namespace {

using Json = nlohmann::ordered_json;
using Error = std::string;

struct RawOp {
  std::string op;
  std::string path;
  std::string value;
};

// The JSON type names Go's UnmarshalTypeError uses.
std::string go_json_kind(const Json& v) {
  if (v.is_string()) return "string";
  if (v.is_number()) return "number";
  if (v.is_boolean()) return "bool";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "null";
}

Expected<void, Error> read_field(const Json& v, std::string_view go_field, std::string& out) {
  if (v.is_null()) return {};
  if (!v.is_string()) {
    return unexpected("json: cannot unmarshal " + go_json_kind(v) +
                      " into Go struct field machineMetadataOp." + std::string(go_field) +
                      " of type string");
  }
  out = v.get<std::string>();
  return {};
}

Expected<RawOp, Error> decode_op(const Json& item) {
  RawOp op;
  if (item.is_null()) return op;
  if (!item.is_object()) {
    return unexpected("json: cannot unmarshal " + go_json_kind(item) +
                      " into Go value of type api.machineMetadataOp");
  }
  // Go matches the tag "op" and the field names Path and Value case-insensitively.
  for (const auto& [key, v] : item.items()) {
    Expected<void, Error> r;
    if (equal_fold(key, "op")) r = read_field(v, "op", op.op);
    if (equal_fold(key, "path")) r = read_field(v, "Path", op.path);
    if (equal_fold(key, "value")) r = read_field(v, "Value", op.value);
    if (!r) return unexpected(r.error());
  }
  return op;
}

Expected<std::vector<RawOp>, Error> decode_ops(std::string_view body) {
  Json doc = Json::parse(body, nullptr, false);
  if (doc.is_discarded()) return unexpected(Error("invalid JSON in request body"));
  std::vector<RawOp> ops;
  if (doc.is_null()) return ops;
  if (!doc.is_array()) {
    return unexpected("json: cannot unmarshal " + go_json_kind(doc) +
                      " into Go value of type []api.machineMetadataOp");
  }
  for (const auto& item : doc) {
    auto op = decode_op(item);
    if (!op) return unexpected(op.error());
    ops.push_back(std::move(*op));
  }
  return ops;
}

bool is_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

}  // namespace

std::optional<std::pair<std::string, std::string>> parse_metadata_path(std::string_view path) {
  constexpr std::string_view kMiddle = "/metadata/";
  if (!path.starts_with('/')) return std::nullopt;
  std::size_t slash = path.find('/', 1);
  if (slash == std::string_view::npos || slash == 1) return std::nullopt;
  std::string_view rest = path.substr(slash);
  if (!rest.starts_with(kMiddle)) return std::nullopt;
  std::string_view key = rest.substr(kMiddle.size());
  if (key.empty()) return std::nullopt;
  for (char c : key) {
    if (!is_key_char(c)) return std::nullopt;
  }
  return std::pair{std::string(path.substr(1, slash - 1)), std::string(key)};
}

Expected<std::vector<MetadataChange>, std::string> parse_machine_patch(std::string_view body) {
  auto ops = decode_ops(body);
  if (!ops) return unexpected(ops.error());
  std::vector<MetadataChange> changes;
  for (const auto& op : *ops) {
    if (op.op != "add" && op.op != "remove" && op.op != "replace") {
      return unexpected(Error("invalid op: expect add, remove, or replace"));
    }
    auto target = parse_metadata_path(op.path);
    if (!target) return unexpected(Error("machine metadata path invalid"));
    if (op.op != "remove" && op.value.empty()) {
      return unexpected(Error("invalid value: add and replace require a value"));
    }
    std::optional<std::string> value;
    if (op.op != "remove") value = op.value;
    changes.push_back(MetadataChange{target->first, target->second, std::move(value)});
  }
  return changes;
}

}  // namespace corestack::fleet
