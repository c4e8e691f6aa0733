#include "cloud-config/yaml_doc.h"

#include <algorithm>

namespace corestack::cloudinit {

std::variant<YAML::Node, YamlError> parse_yaml(const std::string& text) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return YamlError{e.mark.line >= 0 ? e.mark.line + 1 : 0, e.msg};
  }
}

int line_of(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

std::string normalize_key(std::string key) {
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

std::vector<MapEntry> map_entries(const YAML::Node& map) {
  std::vector<MapEntry> out;
  if (!map.IsMap()) return out;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    out.push_back({normalize_key(it->first.Scalar()), it->first.Scalar(), it->first, it->second});
  }
  return out;
}

YAML::Node map_get(const YAML::Node& map, const std::string& key) {
  // Copy-construct only: yaml-cpp's Node::operator= rebinds the shared node data.
  auto entries = map_entries(map);
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (it->key == key) return it->value;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

}  // namespace corestack::cloudinit
