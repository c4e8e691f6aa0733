// Unit names: the API's validation (fleet api/units.go ValidateName, after systemd's
// unit_name_is_valid), fleetctl's argument mangling, template/instance parsing
// (unit.NewUnitNameInfo) and the specifiers fleet resolves in [X-Fleet] values.
//
// Pure string functions. Names are bytes; only ValidateName looks at runes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "agents/fleet/expected.h"
#include "agents/fleet/job_state.h"

namespace corestack::fleet {

// At most this many bytes (systemd's UNIT_NAME_MAX).
constexpr std::size_t kUnitNameMax = 256;

// Errors, first problem only, with fleet's messages: "unit name cannot be empty",
// "unit name exceeds maximum length (256)", `unit name must contain "."`, `unit name
// cannot end in "."`, `invalid unit type: "foo"` (suffix not a systemd type),
// `invalid character '/' in unit name`, `unit name cannot start in "@"`, and for names
// with '@' whose type cannot be templated: `invalid unit type for template: "mount"`.
Expected<void, std::string> validate_unit_name(std::string_view name);

// fleetctl's argument mangling: path.Base(arg), then ".service" appended unless the
// result ends in .service .socket .timer .path .device .mount or .automount.
std::string mangle_unit_name(std::string_view arg);

// Unit types the agent writes to its units directory (unit.RecognizedUnitType):
// service, socket, timer, path, device, mount, automount.
bool is_recognized_unit_type(std::string_view name);

// unit.UnitNameInfo. "foo@bar.service": name "foo@bar", prefix "foo", template
// "foo@.service", instance "bar". Without '@' the prefix is the name and template and
// instance are empty.
struct UnitNameInfo {
  std::string full_name;      // foo@bar.service
  std::string name;           // without the suffix: foo@bar
  std::string prefix;         // before the first '@': foo
  std::string template_name;  // foo@.service (only for templates and instances)
  std::string instance;       // after the first '@': bar (may itself contain '@')

  bool is_instance() const { return !instance.empty(); }
  bool is_template() const { return !template_name.empty() && instance.empty(); }
};

// nullopt when the name has no '.'.
std::optional<UnitNameInfo> parse_unit_name(std::string_view name);

// Replaces %n (full name), %N (name without suffix), %p (prefix) and %i (instance), in
// that order, as fleet's unitPrintf does (so a value produced by one substitution can be
// rewritten by a later one). Other specifiers stay as they are.
std::string substitute_specifiers(std::string_view value, const UnitNameInfo& info);

// A template ("foo@.service") may be submitted but never loaded or launched. Error:
// `cannot activate template "foo@.service"`.
Expected<void, std::string> check_activatable(std::string_view name, JobState desired);

}  // namespace corestack::fleet
