#include "agents/fleet/requirements.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "agents/fleet/glob.h"
#include "agents/fleet/go_text.h"
#include "agents/fleet/unit_name.h"

namespace corestack::fleet {
namespace {

constexpr std::string_view kSection = "X-Fleet";

// Every key fleet knows in [X-Fleet] (job.go validRequirements).
constexpr std::array<std::string_view, 11> kKnownKeys = {"MachineID",
                                                         "X-ConditionMachineID",
                                                         "X-ConditionMachineBootID",
                                                         "X-ConditionMachineOf",
                                                         "MachineOf",
                                                         "X-Conflicts",
                                                         "Conflicts",
                                                         "X-ConditionMachineMetadata",
                                                         "MachineMetadata",
                                                         "Global",
                                                         "Replaces"};

// The substituted values of one key.
std::vector<std::string> key_values(const UnitFile& unit, std::string_view key,
                                    const std::optional<UnitNameInfo>& info) {
  std::vector<std::string> values = unit.values(kSection, key);
  if (info) {
    for (std::string& v : values)
      v = substitute_specifiers(v, *info);
  }
  return values;
}

void append_unique(std::vector<std::string>& list, std::string value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(std::move(value));
}

// Whitespace-separated fields (strings.Fields).
std::vector<std::string> fields(std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    text = go_trim_space(text);
    if (text.empty()) return out;
    std::size_t end = 0;
    while (end < text.size()) {
      Rune r = decode_rune(text.substr(end));
      if (is_go_space(r.value)) break;
      end += r.size;
    }
    out.emplace_back(text.substr(0, end));
    text.remove_prefix(end);
  }
}

std::optional<std::string> first_machine_id(const UnitFile& unit,
                                            const std::optional<UnitNameInfo>& info) {
  for (std::string_view key : {"MachineID", "X-ConditionMachineID", "X-ConditionMachineBootID"}) {
    auto values = key_values(unit, key, info);
    if (!values.empty()) return values.front();
  }
  return std::nullopt;
}

// key=value with both sides non-empty and exactly one '='; anything else is ignored (as
// fleet does) with a warning.
void add_metadata(Requirements& r, const std::string& pair) {
  std::size_t eq = pair.find('=');
  bool valid = eq != std::string::npos && eq > 0 && eq + 1 < pair.size() &&
               pair.find('=', eq + 1) == std::string::npos;
  if (!valid) {
    r.warnings.push_back("ignoring MachineMetadata value " + go_quote(pair) + " (want key=value)");
    return;
  }
  append_unique(r.metadata[pair.substr(0, eq)], pair.substr(eq + 1));
}

void add_unknown_key_warnings(Requirements& r, const UnitFile& unit) {
  for (const std::string& key : unit.option_names(kSection)) {
    if (std::find(kKnownKeys.begin(), kKnownKeys.end(), key) == kKnownKeys.end()) {
      r.warnings.push_back("unrecognized requirement in [X-Fleet] section: " + go_quote(key));
    }
  }
}

Expected<void, std::string> check_unresolvable(const Requirements& r) {
  for (const std::string& peer : r.peers) {
    for (const std::string& conflict : r.conflicts) {
      if (glob_matches(conflict, peer)) {
        return unexpected("unresolvable requirements: peer " + go_quote(peer) +
                          " matches conflict " + go_quote(conflict));
      }
    }
    for (const std::string& replace : r.replaces) {
      if (glob_matches(replace, peer)) {
        return unexpected("unresolvable requirements: peer " + go_quote(peer) +
                          " matches replace " + go_quote(replace));
      }
    }
  }
  return {};
}

}  // namespace

Requirements parse_requirements(const UnitFile& unit, std::string_view unit_name) {
  std::optional<UnitNameInfo> info = parse_unit_name(unit_name);
  Requirements r;
  r.machine_id = first_machine_id(unit, info);
  for (std::string_view key : {"X-ConditionMachineOf", "MachineOf"}) {
    for (std::string& v : key_values(unit, key, info))
      append_unique(r.peers, std::move(v));
  }
  for (std::string_view key : {"X-ConditionMachineMetadata", "MachineMetadata"}) {
    for (const std::string& v : key_values(unit, key, info))
      add_metadata(r, v);
  }
  for (std::string_view key : {"X-Conflicts", "Conflicts"}) {
    for (const std::string& v : key_values(unit, key, info)) {
      for (std::string& glob : fields(v))
        append_unique(r.conflicts, std::move(glob));
    }
  }
  for (std::string& v : key_values(unit, "Replaces", info))
    append_unique(r.replaces, std::move(v));
  auto global = key_values(unit, "Global", info);
  r.global = !global.empty() && is_truthy(global.back());
  add_unknown_key_warnings(r, unit);
  return r;
}

Expected<void, std::string> validate_requirements(const Requirements& r) {
  if (auto ok = check_unresolvable(r); !ok) return ok;
  bool pinned = r.machine_id.has_value();
  bool peers = !r.peers.empty();
  bool conflicts = !r.conflicts.empty();
  bool replaces = !r.replaces.empty();
  auto fail = [](const char* text) { return unexpected(std::string(text)); };
  if (pinned && peers) return fail("MachineID cannot be used with Peers");
  if (pinned && conflicts) return fail("MachineID cannot be used with Conflicts");
  if (pinned && r.global) return fail("MachineID cannot be used with Global");
  if (pinned && replaces) return fail("MachineID cannot be used with Replaces");
  if (r.global && peers) return fail("Global cannot be used with Peers");
  if (r.global && replaces) return fail("Global cannot be used with Replaces");
  if (conflicts && replaces) return fail("Conflicts cannot be used with Replaces");
  return {};
}

Expected<Requirements, std::string> check_unit(const UnitFile& unit, std::string_view unit_name) {
  if (auto reparsed = UnitFile::parse(unit.serialize()); !reparsed) {
    return unexpected(reparsed.error());
  }
  // A value ending in '\' reads back as a continuation: the stored text would parse to
  // other options, and another hash, than the key it is stored under.
  for (const UnitOption& o : unit.options()) {
    if (o.value.ends_with('\\')) {
      return unexpected("value of " + o.name + "= in [" + o.section + R"(] ends in "\")");
    }
  }
  Requirements r = parse_requirements(unit, unit_name);
  if (auto ok = validate_requirements(r); !ok) return unexpected(ok.error());
  return r;
}

bool is_truthy(std::string_view value) {
  std::string lower(value);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == "true" || lower == "yes" || lower == "1" || lower == "on" || lower == "t";
}

bool has_metadata(const std::map<std::string, std::string>& machine_metadata,
                  const MetadataRequirement& required) {
  for (const auto& [key, allowed] : required) {
    auto local = machine_metadata.find(key);
    if (local == machine_metadata.end()) return false;
    if (std::find(allowed.begin(), allowed.end(), local->second) == allowed.end()) return false;
  }
  return true;
}

std::string describe_metadata(const MetadataRequirement& required) {
  std::string out;
  for (const auto& [key, allowed] : required) {
    if (!out.empty()) out += ", ";
    out += key + "=";
    for (std::size_t i = 0; i < allowed.size(); ++i)
      out += (i > 0 ? "|" : "") + allowed[i];
  }
  return out;
}

}  // namespace corestack::fleet
