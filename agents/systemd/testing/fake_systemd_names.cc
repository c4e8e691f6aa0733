#include "agents/systemd/testing/fake_systemd_names.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "agents/systemd/bus_error.h"

namespace corestack::systemd::testing::fake_systemd {
namespace {

constexpr std::array<std::string_view, 12> kUnitTypes = {
    "service", "socket", "target", "device", "mount", "automount",
    "swap",    "timer",  "path",   "slice",  "scope", "snapshot"};

bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

bool is_valid_unit_name(const std::string& name) {
  const auto dot = name.rfind('.');
  if (name.empty() || name.size() > 255 || dot == std::string::npos || dot == 0) return false;
  const std::string_view type = std::string_view(name).substr(dot + 1);
  if (std::find(kUnitTypes.begin(), kUnitTypes.end(), type) == kUnitTypes.end()) return false;
  const std::string_view stem = std::string_view(name).substr(0, dot);
  if (std::count(stem.begin(), stem.end(), '@') > 1 || stem.front() == '@') return false;
  return std::all_of(stem.begin(), stem.end(), [](char c) {
    return is_alnum(c) || std::string_view(":-_.\\@").find(c) != std::string_view::npos;
  });
}

std::string unit_object_path(const std::string& unit_name) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string label;
  for (size_t i = 0; i < unit_name.size(); ++i) {
    const char c = unit_name[i];
    if (is_alnum(c) && !(i == 0 && std::isdigit(static_cast<unsigned char>(c)))) {
      label += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      label += '_';
      label += kHex[byte >> 4];
      label += kHex[byte & 0xf];
    }
  }
  return std::string(kUnitPathPrefix) + "/" + (label.empty() ? "_" : label);
}

std::optional<std::string> unit_name_from_object_path(const std::string& path) {
  const std::string prefix = std::string(kUnitPathPrefix) + "/";
  if (path.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  const std::string label = path.substr(prefix.size());
  if (label == "_") return std::string();
  std::string name;
  for (size_t i = 0; i < label.size(); ++i) {
    if (label[i] != '_') {
      if (!is_alnum(label[i])) return std::nullopt;
      name += label[i];
      continue;
    }
    if (i + 2 >= label.size() || hex_value(label[i + 1]) < 0 || hex_value(label[i + 2]) < 0)
      return std::nullopt;
    name += static_cast<char>(hex_value(label[i + 1]) * 16 + hex_value(label[i + 2]));
    i += 2;
  }
  if (name.empty()) return std::nullopt;
  return name;
}

std::string job_object_path(uint32_t job_id) {
  return "/org/freedesktop/systemd1/job/" + std::to_string(job_id);
}

void fail(const char* error_name, const std::string& text) {
  const sd_bus_error error = SD_BUS_ERROR_MAKE_CONST(error_name, text.c_str());
  throw BusError(text, error_name, sd_bus_error_get_errno(&error));
}

}  // namespace corestack::systemd::testing::fake_systemd
