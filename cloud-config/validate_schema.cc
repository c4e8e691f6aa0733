#include "cloud-config/validate_schema.h"

#include <regex>
#include <string>

#include "cloud-config/bounded_regex.h"
#include "cloud-config/scalar.h"
#include "cloud-config/schema.h"
#include "cloud-config/yaml_doc.h"

namespace corestack::cloudinit {
namespace {

bool is_empty(const YAML::Node& n) {
  return !n.IsDefined() || n.IsNull() || (n.IsScalar() && resolve_scalar(n) == ScalarType::Null);
}

// Go's rules: strings take any scalar, floats take ints, bools/ints/lists must match,
// structs take mappings. An empty value is the zero value of any type.
bool compatible(const YAML::Node& n, Kind kind) {
  if (is_empty(n)) return true;
  switch (kind) {
    case Kind::String:
      return n.IsScalar();
    case Kind::Bool:
      return n.IsScalar() && resolve_scalar(n) == ScalarType::Bool;
    case Kind::Int:
      return n.IsScalar() && resolve_scalar(n) == ScalarType::Int;
    case Kind::Float: {
      if (!n.IsScalar()) return false;
      const ScalarType t = resolve_scalar(n);
      return t == ScalarType::Int || t == ScalarType::Float;
    }
    case Kind::Struct:
      return n.IsMap();
    case Kind::StringList:
    case Kind::StructList:
      return n.IsSequence();
  }
  return false;
}

int value_line(const MapEntry& e) {
  const int line = line_of(e.value);
  return line > 0 ? line : line_of(e.key_node);
}

void check_map(const YAML::Node& map, const Schema& schema, Report& report);

void check_list(const MapEntry& e, const Field& field, Report& report) {
  const Kind item_kind = field.kind == Kind::StringList ? Kind::String : Kind::Struct;
  for (const auto& item : e.value) {
    if (!compatible(item, item_kind) || is_empty(item)) {
      report.warning(line_of(item), "incorrect type for \"" + e.key + "\" (want " +
                                        std::string(kind_name(field.kind)) + ")");
    } else if (item_kind == Kind::Struct) {
      check_map(item, *field.child, report);
    }
  }
}

void check_value(const MapEntry& e, const Field& field, Report& report) {
  if (field.valid.empty() || is_empty(e.value) || !e.value.IsScalar()) return;
  const std::regex valid{std::string(field.valid)};
  if (!bounded_match(e.value.Scalar(), valid))
    report.error(value_line(e), "invalid value " + shown(e.value.Scalar()));
}

void check_field(const MapEntry& e, const Field& field, Report& report) {
  if (!compatible(e.value, field.kind)) {
    report.warning(line_of(e.key_node), "incorrect type for \"" + e.key + "\" (want " +
                                            std::string(kind_name(field.kind)) + ")");
    return;
  }
  if (!field.deprecated.empty())
    report.warning(line_of(e.key_node),
                   "deprecated key \"" + e.key + "\" (" + std::string(field.deprecated) + ")");
  if (is_empty(e.value)) return;
  switch (field.kind) {
    case Kind::Struct:
      check_map(e.value, *field.child, report);
      break;
    case Kind::StringList:
    case Kind::StructList:
      check_list(e, field, report);
      break;
    default:
      check_value(e, field, report);
  }
}

void check_map(const YAML::Node& map, const Schema& schema, Report& report) {
  for (const auto& e : map_entries(map)) {
    if (const Field* field = schema.find(e.key)) {
      check_field(e, *field, report);
    } else if (&schema == &coreos_schema() && root_schema().find(e.key) != nullptr) {
      report.info(line_of(e.key_node), e.key + " doesn't belong under coreos");
    } else {
      report.warning(line_of(e.key_node), "unrecognized key \"" + e.key + "\"");
    }
  }
}

}  // namespace

void validate_schema(const YAML::Node& root, Report& report) {
  if (is_empty(root)) return;
  if (!root.IsMap()) {
    report.error(line_of(root), "expected a mapping of cloud-config keys");
    return;
  }
  check_map(root, root_schema(), report);
}

}  // namespace corestack::cloudinit
