// Job states (fleet's job.JobState): the desired state a client sets in
// `job/<name>/target-state` and the state an agent last drove a unit to. Transitions go
// step by step, inactive -> loaded -> launched (docs/fleet.md "Job states").
#pragma once

#include <optional>
#include <string_view>

namespace corestack::fleet {

enum class JobState { inactive, loaded, launched };

// The bare strings stored in etcd.
constexpr std::string_view to_string(JobState s) {
  switch (s) {
    case JobState::loaded:
      return "loaded";
    case JobState::launched:
      return "launched";
    case JobState::inactive:
      break;
  }
  return "inactive";
}

// Exact match only ("inactive", "loaded", "launched"); anything else is nullopt (fleet
// then logs `invalid value "x" for JobState` and treats it as inactive).
constexpr std::optional<JobState> parse_job_state(std::string_view s) {
  if (s == "inactive") return JobState::inactive;
  if (s == "loaded") return JobState::loaded;
  if (s == "launched") return JobState::launched;
  return std::nullopt;
}

}  // namespace corestack::fleet
