#include "agents/fleet/agent.h"

#include <spdlog/spdlog.h>

#include "agents/fleet/requirements.h"

namespace corestack::fleet {

Agent::Agent(AgentOptions options, AgentRegistry& registry, UnitExecutor& executor)
    : options_(std::move(options)), registry_(registry), executor_(executor) {}

Expected<std::vector<AgentUnit>, std::string> Agent::desired_units(
    std::map<std::string, UnitFile>& files) {
  auto jobs = registry_.jobs();
  if (!jobs) return unexpected(jobs.error());
  auto units = registry_.units();
  if (!units) return unexpected(units.error());
  std::vector<AgentUnit> out;
  for (const JobRecord& job : *jobs) {
    auto file = units->find(job.hash);
    if (file == units->end()) {
      spdlog::warn("job {}: unit {} is missing from the registry", job.name, job.hash.hex());
      continue;
    }
    out.push_back(
        {job.name, parse_requirements(file->second, job.name), job.desired, job.target, job.hash});
    files.emplace(job.name, file->second);
  }
  return out;
}

Expected<AgentRound, std::string> Agent::reconcile() {
  std::map<std::string, UnitFile> files;
  auto units = desired_units(files);
  if (!units) return unexpected(units.error());
  DesiredAgentState desired =
      desired_agent_state(options_.machine_id, options_.metadata, std::move(*units));
  AgentRound round{plan_agent_tasks(desired.units, executor_.current_units()),
                   std::move(desired.skipped)};
  for (const auto& [name, unit] : desired.units)
    hashes_[name] = unit.hash;
  if (round.tasks.empty()) return round;
  for (const AgentTask& task : round.tasks) {
    spdlog::info("agent: {} {} ({})", to_string(task.type), task.unit, task.reason);
  }
  auto done = executor_.execute(round.tasks, files);
  if (!done) return unexpected("executing the agent's tasks: " + done.error());
  follow_job_states(round.tasks);
  return round;
}

// job/<name>/job-state says "launched here": set on start, cleared on stop and unload.
void Agent::follow_job_states(const std::vector<AgentTask>& tasks) {
  for (const AgentTask& task : tasks) {
    Expected<Done, std::string> written = Done{};
    if (task.type == AgentTaskType::start_unit) {
      written = registry_.set_job_state(task.unit, options_.ttl);
    } else if (task.type == AgentTaskType::stop_unit || task.type == AgentTaskType::unload_unit) {
      written = registry_.clear_job_state(task.unit);
    }
    if (!written) spdlog::warn("job-state of {}: {}", task.unit, written.error());
  }
}

void Agent::publish(bool everything) {
  const auto states = executor_.poll_states();
  for (const auto& [name, state] : states) {
    auto last = published_.find(name);
    if (!everything && last != published_.end() && last->second == state) continue;
    const auto hash = hashes_.find(name);
    const std::string hex = hash == hashes_.end() ? "" : hash->second.hex();
    auto record = make_unit_state(state.load_state, state.active_state, state.sub_state,
                                  options_.machine_id, hex);
    auto written = registry_.publish_state(name, record, options_.ttl);
    if (!written) {
      spdlog::warn("publishing the state of {}: {}", name, written.error());
      continue;
    }
    published_[name] = state;
  }
  for (auto it = published_.begin(); it != published_.end();) {
    if (states.count(it->first)) {
      ++it;
      continue;
    }
    if (auto removed = registry_.remove_state(it->first); !removed) {
      spdlog::warn("removing the state of {}: {}", it->first, removed.error());
    }
    it = published_.erase(it);
  }
  if (!everything) return;
  for (const auto& [name, unit] : executor_.current_units()) {
    if (unit.state != JobState::launched) continue;
    if (auto beat = registry_.set_job_state(name, options_.ttl); !beat) {
      spdlog::warn("job-state of {}: {}", name, beat.error());
    }
  }
}

}  // namespace corestack::fleet
