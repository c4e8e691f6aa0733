// Parsing #cloud-config text into a yaml-cpp node tree that keeps every node's line, and
// walking its mappings the way coreos-cloudinit matches keys: `-` folded to `_` first, so
// `reboot-strategy` and `reboot_strategy` are one key (the last one written wins).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <variant>
#include <vector>

namespace corestack::cloudinit {

struct YamlError {
  int line = 0;  // 1-based
  std::string message;
};

// The first document of `text` (an empty document is a Null node), or the parser's error.
std::variant<YAML::Node, YamlError> parse_yaml(const std::string& text);

// 1-based line of a node (0 for a node that has none, e.g. a missing one).
int line_of(const YAML::Node& node);

std::string normalize_key(std::string key);

struct MapEntry {
  std::string key;  // normalised
  std::string raw_key;
  YAML::Node key_node;
  YAML::Node value;
};

// The entries of a mapping in document order (non-scalar keys are skipped); empty for any
// other node.
std::vector<MapEntry> map_entries(const YAML::Node& map);

// The value of the last entry whose normalised key is `key`, or an undefined node.
YAML::Node map_get(const YAML::Node& map, const std::string& key);

}  // namespace corestack::cloudinit
