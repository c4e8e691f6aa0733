#include "agents/fleet/agent_plan.h"

#include <algorithm>
#include <array>
#include <set>

#include "agents/fleet/glob.h"
#include "agents/fleet/unit_name.h"

namespace corestack::fleet {
namespace {

bool any_glob_matches(const std::vector<std::string>& globs, std::string_view name) {
  return std::any_of(globs.begin(), globs.end(),
                     [&](const std::string& g) { return glob_matches(g, name); });
}

// The first accepted unit `unit` conflicts with, either way (fleet's HasConflict).
const AgentUnit* find_conflict(const AgentUnit& unit,
                               const std::vector<const AgentUnit*>& accepted) {
  for (const AgentUnit* other : accepted) {
    if (any_glob_matches(unit.requirements.conflicts, other->name) ||
        any_glob_matches(other->requirements.conflicts, unit.name)) {
      return other;
    }
  }
  return nullptr;
}

// Why `unit` is not for this machine at all (empty when it may be), or nullopt when it is
// simply another machine's unit (not worth reporting).
std::optional<std::string> not_here(const AgentUnit& unit, std::string_view machine_id,
                                    const std::map<std::string, std::string>& metadata) {
  if (!unit.requirements.global) {
    if (unit.target != machine_id) return std::nullopt;
  } else if (!has_metadata(metadata, unit.requirements.metadata)) {
    return "missing required metadata " + describe_metadata(unit.requirements.metadata);
  }
  if (!is_recognized_unit_type(unit.name))
    return std::string("unit type is not managed by the agent");
  if (auto info = parse_unit_name(unit.name); info && info->is_template()) {
    return std::string("templates cannot be loaded");
  }
  return std::string();
}

// The tasks for one unit, in execution order (fleet's calculateTaskChainForUnit).
std::vector<AgentTask> unit_tasks(const std::string& name, const DesiredUnit* d,
                                  const CurrentUnit* c) {
  using T = AgentTaskType;
  auto task = [&](T type, std::string reason) { return AgentTask{type, name, std::move(reason)}; };
  auto load_then_maybe_start = [&](std::vector<AgentTask> tasks, std::string why) {
    tasks.push_back(task(T::load_unit, why));
    if (d->state == JobState::launched) tasks.push_back(task(T::start_unit, why));
    return tasks;
  };
  if (d == nullptr || d->state == JobState::inactive) {
    if (c == nullptr) return {};
    return {task(T::unload_unit,
                 d == nullptr ? "unit no longer scheduled here" : "target state inactive")};
  }
  if (c == nullptr) return load_then_maybe_start({}, "unit not loaded here");
  if (c->hash != d->hash) {
    return load_then_maybe_start({task(T::unload_unit, "unit file changed")}, "unit file changed");
  }
  if (c->state == d->state) return {};
  if (c->state == JobState::inactive) return load_then_maybe_start({}, "current state inactive");
  if (c->state == JobState::loaded) return {task(T::start_unit, "target state launched")};
  return {task(T::stop_unit, "target state loaded")};
}

}  // namespace

DesiredAgentState desired_agent_state(std::string_view machine_id,
                                      const std::map<std::string, std::string>& metadata,
                                      std::vector<AgentUnit> units) {
  std::sort(units.begin(), units.end(),
            [](const AgentUnit& a, const AgentUnit& b) { return a.name < b.name; });
  DesiredAgentState out;
  std::vector<const AgentUnit*> accepted;
  for (const AgentUnit& unit : units) {
    auto why_not = not_here(unit, machine_id, metadata);
    if (!why_not) continue;
    if (!why_not->empty()) {
      if (unit.desired == JobState::inactive) continue;  // nothing to explain
      out.skipped.push_back(SkippedUnit{unit.name, *why_not});
      continue;
    }
    if (unit.desired != JobState::inactive) {
      if (const AgentUnit* other = find_conflict(unit, accepted)) {
        out.skipped.push_back(SkippedUnit{unit.name, "conflicts with unit " + other->name});
        continue;
      }
      accepted.push_back(&unit);
    }
    out.units[unit.name] = DesiredUnit{unit.desired, unit.hash};
  }
  return out;
}

std::string_view to_string(AgentTaskType type) {
  switch (type) {
    case AgentTaskType::unload_unit:
      return "UnloadUnit";
    case AgentTaskType::load_unit:
      return "LoadUnit";
    case AgentTaskType::reload_unit_files:
      return "ReloadUnitFiles";
    case AgentTaskType::stop_unit:
      return "StopUnit";
    case AgentTaskType::start_unit:
      return "StartUnit";
  }
  return "LoadUnit";
}

std::vector<AgentTask> plan_agent_tasks(const std::map<std::string, DesiredUnit>& desired,
                                        const std::map<std::string, CurrentUnit>& current) {
  std::set<std::string> names;
  for (const auto& [name, unit] : desired)
    names.insert(name);
  for (const auto& [name, unit] : current)
    names.insert(name);

  // One bucket per task type, in execution order; names arrive sorted.
  std::array<std::vector<AgentTask>, 5> buckets;
  for (const std::string& name : names) {
    auto d = desired.find(name);
    auto c = current.find(name);
    for (AgentTask& t : unit_tasks(name, d == desired.end() ? nullptr : &d->second,
                                   c == current.end() ? nullptr : &c->second)) {
      buckets[static_cast<std::size_t>(t.type)].push_back(std::move(t));
    }
  }
  if (!buckets[0].empty() || !buckets[1].empty()) {
    buckets[2].push_back(AgentTask{AgentTaskType::reload_unit_files, "", "unit files changed"});
  }
  std::vector<AgentTask> tasks;
  for (auto& bucket : buckets) {
    for (AgentTask& t : bucket)
      tasks.push_back(std::move(t));
  }
  return tasks;
}

}  // namespace corestack::fleet
