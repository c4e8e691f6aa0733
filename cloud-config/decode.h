// YAML node tree (yaml_doc.h) -> CloudConfig (config.h), the way Go's yaml.Unmarshal fills
// coreos-cloudinit's structs: keys `-`/`_` folded, string fields take the raw scalar text,
// typed fields their YAML value, anything else is left at its zero value.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "cloud-config/config.h"
#include "cloud-config/schema.h"

namespace corestack::cloudinit {

CloudConfig decode_config(const YAML::Node& root);

// The non-zero fields of an env section, in `schema` order, formatted as Go's %v would.
std::vector<EnvVar> decode_env_section(const YAML::Node& section, const Schema& schema);

}  // namespace corestack::cloudinit
