#include "agents/fleet/unit_name.h"

#include <array>

#include "agents/fleet/go_text.h"

namespace corestack::fleet {
namespace {

// systemd's unit types (fleet's validUnitTypes).
constexpr std::array<std::string_view, 13> kUnitTypes = {
    "service",   "socket", "busname", "target", "snapshot", "device", "mount",
    "automount", "swap",   "timer",   "path",   "slice",    "scope"};

// Types systemd allows for templates and instances.
constexpr std::array<std::string_view, 5> kTemplateTypes = {"path", "service", "socket", "target",
                                                            "timer"};

// The suffixes fleetctl keeps, and the ones the agent manages: the same list.
constexpr std::array<std::string_view, 7> kRecognizedTypes = {
    "service", "socket", "timer", "path", "device", "mount", "automount"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view s) {
  for (std::string_view item : list) {
    if (item == s) return true;
  }
  return false;
}

bool is_valid_name_char(char32_t r) {
  return (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == ':' ||
         r == '-' || r == '_' || r == '.' || r == '\\' || r == '@';
}

// Go's path.Base.
std::string_view path_base(std::string_view p) {
  if (p.empty()) return ".";
  while (p.size() > 1 && p.back() == '/')
    p.remove_suffix(1);
  if (p == "/") return "/";
  if (auto slash = p.rfind('/'); slash != std::string_view::npos) p.remove_prefix(slash + 1);
  return p;
}

bool has_recognized_suffix(std::string_view name) {
  for (std::string_view type : kRecognizedTypes) {
    if (name.size() > type.size() && name.ends_with(type) &&
        name[name.size() - type.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

Expected<void, std::string> check_name_chars(std::string_view stem) {
  while (!stem.empty()) {
    Rune r = decode_rune(stem);
    if (!is_valid_name_char(r.value)) {
      return unexpected("invalid character " + go_quote_rune(r.value) + " in unit name");
    }
    stem.remove_prefix(r.size);
  }
  return {};
}

}  // namespace

Expected<void, std::string> validate_unit_name(std::string_view name) {
  if (name.empty()) return unexpected(std::string("unit name cannot be empty"));
  if (name.size() > kUnitNameMax) {
    return unexpected("unit name exceeds maximum length (" + std::to_string(kUnitNameMax) + ")");
  }
  std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos)
    return unexpected(std::string(R"(unit name must contain ".")"));
  if (dot == name.size() - 1) return unexpected(std::string(R"(unit name cannot end in ".")"));
  std::string_view suffix = name.substr(dot + 1);
  if (!contains(kUnitTypes, suffix)) return unexpected("invalid unit type: " + go_quote(suffix));
  if (auto chars = check_name_chars(name.substr(0, dot)); !chars) return chars;
  if (name[0] == '@') return unexpected(std::string(R"(unit name cannot start in "@")"));
  if (name.find('@') != std::string_view::npos && !contains(kTemplateTypes, suffix)) {
    return unexpected("invalid unit type for template: " + go_quote(suffix));
  }
  return {};
}

std::string mangle_unit_name(std::string_view arg) {
  std::string name(path_base(arg));
  if (!has_recognized_suffix(name)) name += ".service";
  return name;
}

bool is_recognized_unit_type(std::string_view name) {
  return has_recognized_suffix(name);
}

std::optional<UnitNameInfo> parse_unit_name(std::string_view name) {
  std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  UnitNameInfo info;
  info.full_name = name;
  info.name = name.substr(0, dot);
  std::size_t at = info.name.find('@');
  if (at == std::string::npos) {
    info.prefix = info.name;
    return info;
  }
  info.prefix = info.name.substr(0, at);
  info.template_name = info.prefix + "@" + std::string(name.substr(dot));
  info.instance = info.name.substr(at + 1);
  return info;
}

std::string substitute_specifiers(std::string_view value, const UnitNameInfo& info) {
  std::string out(value);
  replace_all(out, "%n", info.full_name);
  replace_all(out, "%N", info.name);
  replace_all(out, "%p", info.prefix);
  replace_all(out, "%i", info.instance);
  return out;
}

Expected<void, std::string> check_activatable(std::string_view name, JobState desired) {
  if (desired == JobState::inactive) return {};
  auto info = parse_unit_name(name);
  if (info && info->is_template()) {
    return unexpected("cannot activate template " + go_quote(name));
  }
  return {};
}

}  // namespace corestack::fleet
