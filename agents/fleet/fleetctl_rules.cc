#include "agents/fleet/fleetctl_rules.h"

#include "agents/fleet/fleetctl_output.h"
#include "agents/fleet/requirements.h"
#include "agents/fleet/unit_file.h"

namespace corestack::fleet {

bool replace_allowed(std::string_view command, std::string_view desired_state) {
  if (command == "submit") return desired_state == "inactive";
  if (command == "load") return desired_state == "inactive" || desired_state == "loaded";
  if (command == "start") {
    return desired_state == "inactive" || desired_state == "loaded" || desired_state == "launched";
  }
  return false;
}

bool is_global_unit(const ApiUnit& u) {
  for (const auto& opt : u.options) {
    if (opt.section == "X-Fleet" && opt.name == "Global" && is_truthy(opt.value)) return true;
  }
  return false;
}

Expected<bool, std::string> same_contents(const ApiUnit& registry_unit, std::string_view text) {
  auto file = UnitFile::parse(text);
  if (!file) return unexpected(file.error());
  return unit_file_of(registry_unit).hash() == file->hash();
}

ApiUnit instance_of(const ApiUnit& template_unit, std::string name) {
  ApiUnit out;
  out.name = std::move(name);
  out.options = template_unit.options;
  out.desired_state = "inactive";
  return out;
}

Expected<std::optional<ApiMachine>, std::string> find_machine(
    const std::vector<ApiMachine>& machines, std::string_view prefix) {
  std::vector<const ApiMachine*> found;
  for (const ApiMachine& m : machines) {
    if (m.id == prefix) return std::optional<ApiMachine>(m);
    if (!prefix.empty() && m.id.rfind(prefix, 0) == 0) found.push_back(&m);
  }
  if (found.empty()) return std::optional<ApiMachine>();
  if (found.size() > 1) {
    std::vector<std::string> ids;
    for (const ApiMachine* m : found)
      ids.push_back(m->id);
    return unexpected(ambiguous_machine_message(prefix, ids));
  }
  return std::optional<ApiMachine>(*found[0]);
}

std::string_view verb_of(std::string_view state) {
  if (state == "launched") return "start";
  if (state == "loaded") return "load";
  return "submit";
}

}  // namespace corestack::fleet
