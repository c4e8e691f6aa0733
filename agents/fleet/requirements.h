// A unit's [X-Fleet] options as scheduling requirements (fleet job/job.go), and the
// validation matrix the API applies before accepting a unit (api/units.go
// ValidateOptions). docs/fleet.md "[X-Fleet] options" lists the rules.
//
// Values come from UnitFile::values (quoted multi-values already split), then get the
// specifiers %n %N %p %i of the job's own name substituted. Legacy names are folded in:
// X-ConditionMachineID and X-ConditionMachineBootID (after MachineID),
// X-ConditionMachineOf, X-ConditionMachineMetadata and X-Conflicts (before the modern
// name's values).
//
// Pure; no I/O.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/fleet/expected.h"
#include "agents/fleet/unit_file.h"

namespace corestack::fleet {

// MachineMetadata: key -> the values it may have (OR within a key, AND across keys).
using MetadataRequirement = std::map<std::string, std::vector<std::string>>;

struct Requirements {
  // MachineID= (the first value): a full machine ID or its first 8 characters.
  std::optional<std::string> machine_id;
  // MachineOf=: units that must be scheduled on the same machine, first-seen order.
  std::vector<std::string> peers;
  MetadataRequirement metadata;
  // Conflicts= globs (each value also split on whitespace), first-seen order.
  std::vector<std::string> conflicts;
  // Replaces= globs, first-seen order.
  std::vector<std::string> replaces;
  // Global=: the last value, truthy when it is true/yes/1/on/t (any case).
  bool global = false;
  // Client-side warnings: unknown [X-Fleet] keys (`unrecognized requirement in [X-Fleet]
  // section: "Foo"`) and MachineMetadata values that are not exactly `key=value`.
  std::vector<std::string> warnings;

  bool operator==(const Requirements&) const = default;
};

// The requirements of the unit `unit_name` (whose name gives the specifiers; a name
// without '.' disables substitution, as in fleet).
Requirements parse_requirements(const UnitFile& unit, std::string_view unit_name);

// The validation matrix; the first problem found, with fleet's messages:
//   unresolvable requirements: peer "p" matches conflict "glob"   (or "... replace ...")
//   MachineID cannot be used with Peers | Conflicts | Global | Replaces
//   Global cannot be used with Peers | Replaces
//   Conflicts cannot be used with Replaces
// (fleet calls MachineOf "Peers" in these texts.)
Expected<void, std::string> validate_requirements(const Requirements& requirements);

// What the API checks before storing a unit: the canonical form parses again (so no
// option name or value holds a newline, no line is too long), no value ends in '\' (it
// would read back as a continuation: `value of X= in [S] ends in "\"`; fleet let these
// through), then the matrix. Returns the parsed requirements (warnings included).
Expected<Requirements, std::string> check_unit(const UnitFile& unit, std::string_view unit_name);

// fleet's isTruthyValue.
bool is_truthy(std::string_view value);

// machine.HasMetadata: the machine has every required key with one of its values. An
// empty requirement matches every machine.
bool has_metadata(const std::map<std::string, std::string>& machine_metadata,
                  const MetadataRequirement& required);

// "region=us-east|us-west, disk=ssd": a requirement for humans (keys sorted).
std::string describe_metadata(const MetadataRequirement& required);

}  // namespace corestack::fleet
