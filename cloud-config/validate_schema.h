// Checks a parsed #cloud-config tree against the schema (schema.h): unrecognised keys,
// incompatible types, deprecated keys and values that fail a field's regex, with the
// messages coreos-cloudinit's validator prints (reference cloudinit.md §4).
#pragma once

#include <yaml-cpp/yaml.h>

#include "cloud-config/report.h"

namespace corestack::cloudinit {

void validate_schema(const YAML::Node& root, Report& report);

}  // namespace corestack::cloudinit
