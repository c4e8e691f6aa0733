#include "agents/fleet/agent_plan.h"

#include <gtest/gtest.h>

namespace corestack::fleet {
namespace {

using Lines = std::vector<std::string>;
using Metadata = std::map<std::string, std::string>;

UnitHash hash_of(std::string_view text) {
  return sha1_of(text);
}

AgentUnit unit(std::string name, std::string_view xfleet, JobState desired,
               std::optional<std::string> target = std::nullopt) {
  auto file =
      UnitFile::parse("[Service]\nExecStart=/bin/" + name + "\n[X-Fleet]\n" + std::string(xfleet));
  EXPECT_TRUE(file);
  Requirements r = parse_requirements(*file, name);
  return AgentUnit{name, std::move(r), desired, std::move(target), file->hash()};
}

Lines names(const DesiredAgentState& s) {
  Lines out;
  for (const auto& [name, d] : s.units)
    out.push_back(name + "=" + std::string(to_string(d.state)));
  return out;
}

Lines skipped(const DesiredAgentState& s) {
  Lines out;
  for (const SkippedUnit& u : s.skipped)
    out.push_back(u.name + ": " + u.reason);
  return out;
}

Lines tasks(const std::vector<AgentTask>& plan) {
  Lines out;
  for (const AgentTask& t : plan) {
    out.push_back(std::string(to_string(t.type)) + (t.unit.empty() ? "" : " " + t.unit));
  }
  return out;
}

TEST(AgentPlan, DesiredUnitsAreMineAndMatchingGlobals) {
  auto state = desired_agent_state(
      "m1", {{"role", "edge"}},
      {unit("mine.service", "", JobState::launched, "m1"),
       unit("theirs.service", "", JobState::launched, "m2"),
       unit("unplaced.service", "", JobState::launched),
       unit("global-edge.service", "Global=true\nMachineMetadata=role=edge", JobState::loaded),
       unit("global-db.service", "Global=true\nMachineMetadata=role=db", JobState::launched),
       unit("stopping.service", "", JobState::inactive, "m1")});
  EXPECT_EQ(names(state), (Lines{"global-edge.service=loaded", "mine.service=launched",
                                 "stopping.service=inactive"}));
  EXPECT_EQ(skipped(state), (Lines{"global-db.service: missing required metadata role=db"}));
  EXPECT_EQ(state.units["mine.service"].hash, unit("mine.service", "", JobState::launched).hash);
}

// functional TestScheduleGlobalConflicts: the first conflicting global by name wins.
TEST(AgentPlan, FirstConflictingGlobalWins) {
  auto state = desired_agent_state(
      "m1", {},
      {unit("global-b.service", "Global=true\nConflicts=global-a.service", JobState::launched),
       unit("global-a.service", "Global=true", JobState::launched),
       unit("global-c.service", "Global=true\nConflicts=global-*", JobState::launched),
       unit("plain.service", "Conflicts=global-a.service", JobState::launched, "m1"),
       unit("off.service", "Global=true\nConflicts=*", JobState::inactive)});
  EXPECT_EQ(names(state), (Lines{"global-a.service=launched", "off.service=inactive"}));
  EXPECT_EQ(skipped(state), (Lines{"global-b.service: conflicts with unit global-a.service",
                                   "global-c.service: conflicts with unit global-a.service",
                                   "plain.service: conflicts with unit global-a.service"}));
}

TEST(AgentPlan, SkipsTemplatesAndUnmanagedTypes) {
  auto state = desired_agent_state("m1", {},
                                   {unit("t@.service", "", JobState::launched, "m1"),
                                    unit("x.target", "", JobState::launched, "m1"),
                                    unit("t@1.service", "", JobState::launched, "m1")});
  EXPECT_EQ(names(state), (Lines{"t@1.service=launched"}));
  EXPECT_EQ(skipped(state), (Lines{"t@.service: templates cannot be loaded",
                                   "x.target: unit type is not managed by the agent"}));
}

// The reconcile decision table, one unit at a time.
TEST(AgentPlan, DecisionTable) {
  const UnitHash h1 = hash_of("one"), h2 = hash_of("two");
  using S = JobState;
  struct Case {
    std::optional<DesiredUnit> d;
    std::optional<CurrentUnit> c;
    Lines expected;
  };
  auto D = [](S s, UnitHash h) { return std::optional<DesiredUnit>(DesiredUnit{s, h}); };
  auto C = [](S s, UnitHash h) { return std::optional<CurrentUnit>(CurrentUnit{s, h}); };
  const Lines unload{"UnloadUnit u.service", "ReloadUnitFiles"};
  const Lines load{"LoadUnit u.service", "ReloadUnitFiles"};
  const Lines load_start{"LoadUnit u.service", "ReloadUnitFiles", "StartUnit u.service"};
  int i = 0;
  for (const Case& c : {
           Case{std::nullopt, C(S::launched, h1), unload},
           Case{std::nullopt, C(S::inactive, h1), unload},
           Case{D(S::inactive, h1), C(S::loaded, h1), unload},
           Case{D(S::inactive, h1), std::nullopt, {}},
           Case{D(S::loaded, h1), std::nullopt, load},
           Case{D(S::launched, h1), std::nullopt, load_start},
           Case{D(S::loaded, h2),
                C(S::loaded, h1),
                {"UnloadUnit u.service", "LoadUnit u.service", "ReloadUnitFiles"}},
           Case{D(S::launched, h2),
                C(S::launched, h1),
                {"UnloadUnit u.service", "LoadUnit u.service", "ReloadUnitFiles",
                 "StartUnit u.service"}},
           Case{D(S::launched, h2),
                C(S::inactive, h1),
                {"UnloadUnit u.service", "LoadUnit u.service", "ReloadUnitFiles",
                 "StartUnit u.service"}},
           Case{D(S::loaded, h1), C(S::loaded, h1), {}},
           Case{D(S::launched, h1), C(S::launched, h1), {}},
           Case{D(S::loaded, h1), C(S::inactive, h1), load},
           Case{D(S::launched, h1), C(S::inactive, h1), load_start},
           Case{D(S::launched, h1), C(S::loaded, h1), {"StartUnit u.service"}},
           Case{D(S::loaded, h1), C(S::launched, h1), {"StopUnit u.service"}},
       }) {
    std::map<std::string, DesiredUnit> desired;
    std::map<std::string, CurrentUnit> current;
    if (c.d) desired["u.service"] = *c.d;
    if (c.c) current["u.service"] = *c.c;
    EXPECT_EQ(tasks(plan_agent_tasks(desired, current)), c.expected) << "case " << i;
    ++i;
  }
}

TEST(AgentPlan, TasksAreGroupedByTypeInTheDocumentedOrder) {
  const UnitHash h = hash_of("h"), changed = hash_of("changed");
  std::map<std::string, DesiredUnit> desired{
      {"a-start.service", {JobState::launched, h}},
      {"b-new.service", {JobState::launched, h}},
      {"c-stop.service", {JobState::loaded, h}},
      {"d-changed.service", {JobState::launched, changed}},
      {"e-same.service", {JobState::launched, h}},
  };
  std::map<std::string, CurrentUnit> current{
      {"a-start.service", {JobState::loaded, h}},     {"c-stop.service", {JobState::launched, h}},
      {"d-changed.service", {JobState::launched, h}}, {"e-same.service", {JobState::launched, h}},
      {"z-gone.service", {JobState::launched, h}},
  };
  auto plan = plan_agent_tasks(desired, current);
  EXPECT_EQ(tasks(plan),
            (Lines{"UnloadUnit d-changed.service", "UnloadUnit z-gone.service",
                   "LoadUnit b-new.service", "LoadUnit d-changed.service", "ReloadUnitFiles",
                   "StopUnit c-stop.service", "StartUnit a-start.service",
                   "StartUnit b-new.service", "StartUnit d-changed.service"}));
  EXPECT_EQ(plan[0].reason, "unit file changed");
  EXPECT_EQ(plan[1].reason, "unit no longer scheduled here");
  EXPECT_EQ(plan[2].reason, "unit not loaded here");
}

TEST(AgentPlan, NoReloadWithoutLoadOrUnload) {
  const UnitHash h = hash_of("h");
  auto plan = plan_agent_tasks({{"a.service", {JobState::loaded, h}}},
                               {{"a.service", {JobState::launched, h}}});
  EXPECT_EQ(tasks(plan), (Lines{"StopUnit a.service"}));
  EXPECT_TRUE(plan_agent_tasks({}, {}).empty());
}

// After a restart every unit file on disk reads as inactive: load and start again.
TEST(AgentPlan, RestartReloadsEverythingOnDisk) {
  auto state = desired_agent_state("m1", {},
                                   {unit("a.service", "", JobState::launched, "m1"),
                                    unit("b.service", "", JobState::loaded, "m1")});
  std::map<std::string, CurrentUnit> on_disk;
  for (const auto& [name, d] : state.units)
    on_disk[name] = CurrentUnit{JobState::inactive, d.hash};
  EXPECT_EQ(tasks(plan_agent_tasks(state.units, on_disk)),
            (Lines{"LoadUnit a.service", "LoadUnit b.service", "ReloadUnitFiles",
                   "StartUnit a.service"}));
}

}  // namespace
}  // namespace corestack::fleet
