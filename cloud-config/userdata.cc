#include "cloud-config/userdata.h"

#include <nlohmann/json.hpp>

namespace corestack::cloudinit {
namespace {

bool is_ignition(std::string_view text) {
  const auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return false;
  if (json.contains("ignitionVersion")) return true;
  const auto it = json.find("ignition");
  return it != json.end() && it->is_object() && it->contains("version");
}

}  // namespace

Format detect_format(std::string_view user_data) {
  if (user_data.find_first_not_of(" \t\r\n") == std::string_view::npos) return Format::Empty;
  std::string_view first = user_data.substr(0, user_data.find('\n'));
  while (!first.empty() && (first.back() == ' ' || first.back() == '\t' || first.back() == '\r'))
    first.remove_suffix(1);
  if (first == "#cloud-config") return Format::CloudConfig;
  if (first.substr(0, 2) == "#!") return Format::Script;
  if (is_ignition(user_data)) return Format::Ignition;
  return Format::Unknown;
}

std::string_view format_name(Format format) {
  switch (format) {
    case Format::Empty:
      return "empty";
    case Format::CloudConfig:
      return "cloud-config";
    case Format::Script:
      return "script";
    case Format::Ignition:
      return "ignition";
    case Format::Unknown:
      return "unknown";
  }
  return "unknown";
}

}  // namespace corestack::cloudinit
