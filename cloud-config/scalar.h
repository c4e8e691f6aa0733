// YAML 1.1 scalar resolution as Go's yaml (the coreos/yaml fork coreos-cloudinit uses) does
// it: a plain scalar is null, bool, int or float by its text; a quoted or explicitly tagged
// one is a string. String fields keep the raw text whatever it resolves to (`off` stays
// "off", `0644` stays "0644"); bool, int and float fields take the typed value.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace corestack::cloudinit {

enum class ScalarType { Null, Bool, Int, Float, String };

// The type of a scalar node (call only on IsScalar() or IsNull() nodes).
ScalarType resolve_scalar(const YAML::Node& node);

// Each parses the whole text or gives nothing.
std::optional<bool> parse_yaml_bool(std::string_view text);
std::optional<int64_t> parse_yaml_int(std::string_view text);  // decimal, 0x, 0o/0 octal, 0b
std::optional<double> parse_yaml_float(std::string_view text);

// Go's %v of a float64: shortest round-trip form ("0.5", "2", "1e+21").
std::string format_float(double value);

}  // namespace corestack::cloudinit
