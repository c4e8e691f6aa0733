// fleetctl's decisions that need no I/O (docs/fleet.md "fleetctl"): which desired states
// --replace may overwrite, whether a registry unit equals a local file, which machine an ID
// prefix names, and where a unit runs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/fleet/api_model.h"
#include "agents/fleet/expected.h"

namespace corestack::fleet {

// fleet's checkReplaceUnitState: submit replaces a unit desired inactive; load one desired
// inactive or loaded; start any. Other commands never replace.
bool replace_allowed(std::string_view command, std::string_view desired_state);

// [X-Fleet] Global=true.
bool is_global_unit(const ApiUnit& unit);

// The local file's unit (parsed from `text`) has the registry unit's hash.
Expected<bool, std::string> same_contents(const ApiUnit& registry_unit, std::string_view text);

// An instance of `template_unit` (its options; Name of the instance).
ApiUnit instance_of(const ApiUnit& template_unit, std::string name);

// The machine whose ID starts with `prefix`. Errors: the ambiguous_machine_message when
// several do (the full ID wins when it matches exactly). nullopt when none does.
Expected<std::optional<ApiMachine>, std::string> find_machine(
    const std::vector<ApiMachine>& machines, std::string_view prefix);

// "verb" for the triggered messages: launched -> start, loaded -> load, inactive -> submit.
std::string_view verb_of(std::string_view state);

}  // namespace corestack::fleet
