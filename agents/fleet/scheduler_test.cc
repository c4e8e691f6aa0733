#include "agents/fleet/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace corestack::fleet {
namespace {

using Lines = std::vector<std::string>;
using Metadata = std::map<std::string, std::string>;

ClusterMachine machine(std::string id, Metadata metadata = {}) {
  return ClusterMachine{std::move(id), "10.0.0.1", std::move(metadata)};
}

ClusterJob job(std::string name, std::string_view xfleet = "",
               std::optional<std::string> target = std::nullopt,
               JobState desired = JobState::launched) {
  auto unit = UnitFile::parse("[X-Fleet]\n" + std::string(xfleet));
  EXPECT_TRUE(unit) << (unit ? "" : unit.error());
  Requirements r = parse_requirements(unit ? *unit : UnitFile{}, name);
  return ClusterJob{std::move(name), std::move(r), desired, std::move(target)};
}

// Decisions without their reasons: "schedule a.service m1", "unschedulable b.service".
Lines brief(const std::vector<Decision>& decisions) {
  Lines out;
  for (const Decision& d : decisions) {
    switch (d.kind) {
      case DecisionKind::schedule:
        out.push_back("schedule " + d.job + " " + d.machine_id);
        break;
      case DecisionKind::unschedule:
        out.push_back("unschedule " + d.job + " " + d.machine_id);
        break;
      case DecisionKind::unschedulable:
        out.push_back("unschedulable " + d.job);
        break;
    }
  }
  return out;
}

const Decision* find(const std::vector<Decision>& decisions, DecisionKind kind,
                     std::string_view job_name) {
  auto it = std::find_if(decisions.begin(), decisions.end(),
                         [&](const Decision& d) { return d.kind == kind && d.job == job_name; });
  return it == decisions.end() ? nullptr : &*it;
}

std::string target_of(const ClusterModel& model, std::string_view name) {
  const ClusterJob* j = model.job(name);
  return j != nullptr && j->target ? *j->target : "-";
}

// A second round over the model a round produced changes nothing.
void expect_stable(ClusterModel& model) {
  std::vector<Decision> again = plan_engine_round(model);
  Lines changes;
  for (const Decision& d : again) {
    if (d.kind != DecisionKind::unschedulable) changes.push_back(to_string(d));
  }
  EXPECT_EQ(changes, Lines{});
}

TEST(Scheduler, LeastLoadedByCountThenMachineId) {
  ClusterModel model(
      {machine("m3"), machine("m1"), machine("m2")},
      {job("old.service", "", "m1"), job("a.service"), job("b.service"), job("c.service")});
  auto decisions = plan_engine_round(model);
  EXPECT_EQ(brief(decisions),
            (Lines{"schedule a.service m2", "schedule b.service m3", "schedule c.service m1"}));
  EXPECT_EQ(decisions[0].reason, "target state launched and unit not scheduled");
  EXPECT_EQ(model.load("m1"), 2u);
  expect_stable(model);
}

TEST(Scheduler, HundredUnitsOnFiveMachinesStayWithinOne) {
  std::vector<ClusterMachine> machines;
  for (int i = 1; i <= 5; ++i)
    machines.push_back(machine("m" + std::to_string(i)));
  std::vector<ClusterJob> jobs;
  for (int i = 0; i < 7; ++i)
    jobs.push_back(job("pre" + std::to_string(i) + ".service", "", "m1"));
  for (int i = 0; i < 93; ++i)
    jobs.push_back(job("u" + std::to_string(i) + ".service"));
  ClusterModel model(machines, jobs);
  auto decisions = plan_engine_round(model);
  EXPECT_EQ(decisions.size(), 93u);
  std::size_t lo = 1000, hi = 0;
  for (const auto& [id, m] : model.machines()) {
    lo = std::min(lo, model.load(id));
    hi = std::max(hi, model.load(id));
  }
  EXPECT_EQ(lo, 20u);
  EXPECT_EQ(hi, 20u);
  expect_stable(model);
}

TEST(Scheduler, DesiredInactiveIsUnscheduledAndNotPlaced) {
  ClusterModel model({machine("m1")}, {job("a.service", "", "m1", JobState::inactive),
                                       job("b.service", "", std::nullopt, JobState::inactive),
                                       job("c.service", "", "m1", JobState::loaded)});
  auto decisions = plan_engine_round(model);
  EXPECT_EQ(brief(decisions), (Lines{"unschedule a.service m1"}));
  EXPECT_EQ(decisions[0].reason, "target state inactive");
  EXPECT_EQ(model.load("m1"), 1u);
}

TEST(Scheduler, MachineLossUnschedulesAndReplacesInTheSameRound) {
  ClusterModel model({machine("m1"), machine("m2"), machine("m3")},
                     {job("a.service", "", "m1"), job("b.service", "", "m2"),
                      job("c.service", "", "m2"), job("d.service", "", "m3")});
  model.remove_machine("m2");
  auto decisions = plan_engine_round(model);
  EXPECT_EQ(brief(decisions), (Lines{"unschedule b.service m2", "unschedule c.service m2",
                                     "schedule b.service m1", "schedule c.service m3"}));
  EXPECT_EQ(decisions[0].reason, "target Machine(m2) went away");
  expect_stable(model);
}

TEST(Scheduler, MachineOfPairsAreCoLocated) {
  std::vector<ClusterJob> jobs;
  for (int i = 1; i <= 3; ++i) {
    std::string n = std::to_string(i);
    jobs.push_back(job("ping." + n + ".service"));
    jobs.push_back(job("pong." + n + ".service", "MachineOf=ping." + n + ".service"));
  }
  ClusterModel model({machine("m1"), machine("m2"), machine("m3")}, jobs);
  plan_engine_round(model);
  std::set<std::string> used;
  for (int i = 1; i <= 3; ++i) {
    std::string n = std::to_string(i);
    EXPECT_EQ(target_of(model, "pong." + n + ".service"),
              target_of(model, "ping." + n + ".service"));
    used.insert(target_of(model, "ping." + n + ".service"));
  }
  EXPECT_EQ(used, (std::set<std::string>{"m1", "m2", "m3"}));
  expect_stable(model);
}

TEST(Scheduler, FollowerSortedBeforeItsPeerIsPlacedInTheSameRound) {
  ClusterModel model(
      {machine("m1"), machine("m2")},
      {job("x.service"), job("a-app.service", "MachineOf=z-db.service"), job("z-db.service")});
  auto decisions = plan_engine_round(model);
  EXPECT_EQ(brief(decisions), (Lines{"schedule x.service m1", "schedule z-db.service m2",
                                     "schedule a-app.service m2"}));
}

TEST(Scheduler, MachineOfIsUnschedulableWhileThePeerIsUnplaced) {
  struct Case {
    std::vector<ClusterJob> extra;
    const char* reason;
  };
  for (const Case& c : {
           Case{{}, "peer unit db.service does not exist"},
           Case{{job("db.service", "", std::nullopt, JobState::inactive)},
                "peer unit db.service is inactive"},
           Case{{job("db.service", "MachineMetadata=disk=ssd")},
                "peer unit db.service is unscheduled"},
       }) {
    ClusterModel model({machine("m1"), machine("m2")}, c.extra);
    model.add_job(job("app.service", "MachineOf=db.service"));
    auto decisions = plan_engine_round(model);
    const Decision* d = find(decisions, DecisionKind::unschedulable, "app.service");
    ASSERT_NE(d, nullptr) << c.reason;
    EXPECT_EQ(d->reason, c.reason);
    EXPECT_EQ(d->details,
              (Lines{"m1: required peer unit db.service is not scheduled on this machine",
                     "m2: required peer unit db.service is not scheduled on this machine"}));
    EXPECT_EQ(to_string(*d), "unschedulable app.service: " + std::string(c.reason) +
                                 "; m1: required peer unit db.service is not scheduled on this "
                                 "machine; m2: required peer unit db.service is not scheduled on "
                                 "this machine");
  }
}

TEST(Scheduler, FollowersMoveWithTheirPeer) {
  ClusterModel model(
      {machine("m1", {{"disk", "ssd"}}), machine("m2", {{"disk", "ssd"}}), machine("m3")},
      {job("a-app.service", "MachineOf=z-db.service", "m1"),
       job("z-db.service", "MachineMetadata=disk=ssd", "m1"), job("other.service", "", "m2")});
  model.add_machine(machine("m1", {{"disk", "hdd"}}));  // m1 loses its SSD
  auto decisions = plan_engine_round(model);
  EXPECT_EQ(brief(decisions), (Lines{"unschedule z-db.service m1", "unschedule a-app.service m1",
                                     "schedule z-db.service m2", "schedule a-app.service m2"}));
  EXPECT_EQ(decisions[0].reason,
            "target Machine(m1) unable to run unit: machine metadata disk=hdd does not match "
            "disk=ssd");
  EXPECT_EQ(decisions[1].reason,
            "target Machine(m1) unable to run unit: required peer unit z-db.service is not "
            "scheduled on this machine");
  expect_stable(model);
}

// functional TestScheduleConflicts: 5 mutually conflicting units, 3 machines.
TEST(Scheduler, ConflictsSpreadAndTheRestSayWhy) {
  std::vector<ClusterJob> jobs;
  for (int i = 0; i < 5; ++i)
    jobs.push_back(job("conflict." + std::to_string(i) + ".service", "Conflicts=conflict*"));
  ClusterModel model({machine("m1"), machine("m2"), machine("m3")}, jobs);
  auto decisions = plan_engine_round(model);
  EXPECT_EQ(brief(decisions),
            (Lines{"schedule conflict.0.service m1", "schedule conflict.1.service m2",
                   "schedule conflict.2.service m3", "unschedulable conflict.3.service",
                   "unschedulable conflict.4.service"}));
  const Decision* d = find(decisions, DecisionKind::unschedulable, "conflict.3.service");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->reason, "no eligible machine among 3");
  EXPECT_EQ(d->details, (Lines{"m1: conflicts with unit conflict.0.service on this machine",
                               "m2: conflicts with unit conflict.1.service on this machine",
                               "m3: conflicts with unit conflict.2.service on this machine"}));
  expect_stable(model);
}

// functional TestScheduleOneWayConflict: the conflict is checked both ways.
TEST(Scheduler, OneWayConflictBlocksTheOtherUnitUntilItIsGone) {
  ClusterModel model(
      {machine("m1")},
      {job("conflicts-with-hello.service", "Conflicts=hello.service", "m1"), job("hello.service")});
  auto decisions = plan_engine_round(model);
  EXPECT_EQ(brief(decisions), (Lines{"unschedulable hello.service"}));
  EXPECT_EQ(decisions[0].details,
            (Lines{"m1: conflicts with unit conflicts-with-hello.service on this machine"}));

  ClusterModel after({machine("m1")}, {job("hello.service")});  // the conflicting unit destroyed
  EXPECT_EQ(brief(plan_engine_round(after)), (Lines{"schedule hello.service m1"}));
}

TEST(Scheduler, MachineIdPinsByFullOrShortId) {
  const std::string a = "2c2d3e9d83e64d07b8f5bb0ba6f04dbb";
  const std::string b = "9f0e1d2c3b4a59687766554433221100";
  ClusterModel model(
      {machine(a), machine(b)},
      {job("x1.service", "", a), job("x2.service", "", a), job("full.service", "MachineID=" + a),
       job("short.service", "MachineID=2c2d3e9d"), job("missing.service", "MachineID=deadbeef")});
  auto decisions = plan_engine_round(model);
  EXPECT_EQ(brief(decisions), (Lines{"schedule full.service " + a, "schedule short.service " + a,
                                     "unschedulable missing.service"}));
  const Decision* d = find(decisions, DecisionKind::unschedulable, "missing.service");
  EXPECT_EQ(d->reason, "required machine deadbeef is not in the cluster");
  EXPECT_EQ(d->details[0], a + ": machine ID " + a + " does not match required deadbeef");
  expect_stable(model);
}

TEST(Scheduler, MetadataIsAndAcrossKeysOrWithinAKey) {
  ClusterModel model(
      {machine("m1", {{"region", "us-east"}, {"disk", "hdd"}}),
       machine("m2", {{"region", "us-west"}, {"disk", "ssd"}}),
       machine("m3", {{"region", "eu"}, {"disk", "ssd"}})},
      {job("east-or-west-ssd.service",
           "MachineMetadata=\"region=us-east\" \"region=us-west\"\n"
           "MachineMetadata=disk=ssd"),
       job("eu.service", "MachineMetadata=region=eu"),
       job("asia.service", "MachineMetadata=region=asia\nMachineMetadata=disk=ssd")});
  auto decisions = plan_engine_round(model);
  EXPECT_EQ(brief(decisions), (Lines{"schedule east-or-west-ssd.service m2",
                                     "schedule eu.service m3", "unschedulable asia.service"}));
  const Decision* d = find(decisions, DecisionKind::unschedulable, "asia.service");
  EXPECT_EQ(d->reason, "no machine matches metadata disk=ssd, region=asia");
  EXPECT_EQ(d->details, (Lines{"m1: machine metadata disk=hdd does not match disk=ssd",
                               "m2: machine metadata region=us-west does not match region=asia",
                               "m3: machine metadata region=eu does not match region=asia"}));

  // The target's metadata changes: the unit leaves and lands where it still fits.
  model.add_machine(machine("m2", {{"region", "us-west"}, {"disk", "hdd"}}));
  model.add_machine(machine("m1", {{"region", "us-east"}, {"disk", "ssd"}}));
  EXPECT_EQ(brief(plan_engine_round(model)),
            (Lines{"unschedule east-or-west-ssd.service m2", "schedule east-or-west-ssd.service m1",
                   "unschedulable asia.service"}));
}

TEST(Scheduler, GlobalUnitsCountInLoadButAreNeverScheduled) {
  ClusterModel model({machine("m1", {{"role", "edge"}}), machine("m2"), machine("m3")},
                     {job("global-edge.service", "Global=true\nMachineMetadata=role=edge"),
                      job("global-all.service", "Global=true"),
                      job("global-off.service", "Global=true", std::nullopt, JobState::inactive),
                      job("x.service", "", "m2"), job("a.service"), job("b.service"),
                      job("no-global.service", "Conflicts=global-all.service")});
  EXPECT_EQ(model.load("m1"), 2u);  // both active globals; the inactive one is not counted
  EXPECT_EQ(model.load("m2"), 2u);
  EXPECT_EQ(model.load("m3"), 1u);
  auto decisions = plan_engine_round(model);
  EXPECT_EQ(brief(decisions), (Lines{"schedule a.service m3", "schedule b.service m1",
                                     "unschedulable no-global.service"}));
  const Decision* d = find(decisions, DecisionKind::unschedulable, "no-global.service");
  EXPECT_EQ(d->details[2], "m3: conflicts with unit global-all.service on this machine");
  expect_stable(model);
}

// functional TestScheduleReplace: the replaced unit moves to another machine.
TEST(Scheduler, ReplacesMovesTheReplacedUnit) {
  ClusterModel model({machine("m1", {{"role", "web"}}), machine("m2")},
                     {job("old.service", "", "m1"),
                      job("new.service", "Replaces=old.service\nMachineMetadata=role=web")});
  auto decisions = plan_engine_round(model);
  EXPECT_EQ(brief(decisions), (Lines{"schedule new.service m1", "unschedule old.service m1",
                                     "schedule old.service m2"}));
  EXPECT_EQ(decisions[1].reason, "replaced by unit new.service");
  expect_stable(model);
}

TEST(Scheduler, ReplacedUnitWithNowhereToGoSaysWhy) {
  ClusterModel model({machine("m1")},
                     {job("old.service", "", "m1"), job("new.service", "Replaces=old.service")});
  auto decisions = plan_engine_round(model);
  EXPECT_EQ(brief(decisions), (Lines{"schedule new.service m1", "unschedule old.service m1",
                                     "unschedulable old.service"}));
  EXPECT_EQ(decisions[2].details, (Lines{"m1: unit new.service on this machine replaces it"}));
  expect_stable(model);
}

TEST(Scheduler, ReplacedUnitAlreadyNextToItsReplacerIsMoved) {
  ClusterModel model(
      {machine("m1"), machine("m2")},
      {job("new.service", "Replaces=old.service", "m1"), job("old.service", "", "m1")});
  auto decisions = plan_engine_round(model);
  EXPECT_EQ(brief(decisions), (Lines{"unschedule old.service m1", "schedule old.service m2"}));
  EXPECT_EQ(decisions[0].reason,
            "target Machine(m1) unable to run unit: unit new.service on this machine replaces it");
}

TEST(Scheduler, CircularReplacesDisplaceNeitherButKeepThemApart) {
  ClusterModel together({machine("m1")}, {job("a.service", "Replaces=b.service", "m1"),
                                          job("b.service", "Replaces=a.service", "m1")});
  auto decisions = plan_engine_round(together);
  EXPECT_EQ(brief(decisions), (Lines{"unschedule a.service m1", "unschedulable a.service"}));
  EXPECT_EQ(decisions[0].reason,
            "target Machine(m1) unable to run unit: unit b.service on this machine and this "
            "unit replace each other");
  expect_stable(together);

  ClusterModel one({machine("m1")}, {job("a.service", "Replaces=b.service"),
                                     job("b.service", "Replaces=a.service")});
  EXPECT_EQ(brief(plan_engine_round(one)),
            (Lines{"schedule a.service m1", "unschedulable b.service"}));
  expect_stable(one);

  ClusterModel two({machine("m1"), machine("m2")}, {job("a.service", "Replaces=b.service"),
                                                    job("b.service", "Replaces=a.service")});
  EXPECT_EQ(brief(plan_engine_round(two)),
            (Lines{"schedule a.service m1", "schedule b.service m2"}));
  expect_stable(two);
}

TEST(Scheduler, NoMachinesMeansEveryActiveUnitIsUnschedulable) {
  ClusterModel model({},
                     {job("a.service"), job("b.service", "", std::nullopt, JobState::inactive)});
  auto decisions = plan_engine_round(model);
  EXPECT_EQ(brief(decisions), (Lines{"unschedulable a.service"}));
  EXPECT_EQ(decisions[0].reason, "no machines in the cluster");
  EXPECT_TRUE(decisions[0].details.empty());
}

TEST(Scheduler, AbleToRunExplainsItself) {
  ClusterModel model({machine("m1", {{"region", "eu"}})},
                     {job("db.service", "", "m1"), job("app.service", "MachineOf=db.service")});
  const ClusterMachine& m1 = *model.machine("m1");
  EXPECT_TRUE(able_to_run(*model.job("app.service"), m1, model));
  auto r = able_to_run(job("x.service", "MachineMetadata=zone=a"), m1, model);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), R"(machine has no metadata "zone" (needs zone=a))");
  r = able_to_run(job("y.service", "Conflicts=db*"), m1, model);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "conflicts with unit db.service on this machine");
  // A unit never conflicts with itself.
  EXPECT_TRUE(able_to_run(job("db.service", "Conflicts=db*"), m1, model));
}

// Seeded random clusters: after a round every placed job may run where it is, a second
// round changes nothing, and the same input gives the same decisions.
TEST(Scheduler, RandomClustersEndEligibleStableAndDeterministic) {
  std::uint64_t state = 7;
  auto next = [&](std::size_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>(state >> 33) % n;
  };
  const char* options[] = {"",
                           "",
                           "",
                           "Conflicts=u1*",
                           "Conflicts=u2*",
                           "MachineOf=u3.service",
                           "MachineOf=u10.service",
                           "MachineMetadata=disk=ssd",
                           "MachineMetadata=\"zone=a\" \"zone=b\"",
                           "Replaces=u4.service",
                           "Global=true",
                           "Global=true\nConflicts=u5*"};
  for (int round = 0; round < 300; ++round) {
    std::vector<ClusterMachine> machines;
    for (std::size_t m = 0, n = 1 + next(5); m < n; ++m) {
      Metadata md;
      if (next(2)) md["disk"] = "ssd";
      md["zone"] = std::string(1, static_cast<char>('a' + next(3)));
      machines.push_back(machine("m" + std::to_string(m), md));
    }
    std::vector<ClusterJob> jobs;
    for (std::size_t j = 0, n = next(25); j < n; ++j) {
      std::optional<std::string> target;
      if (next(3) == 0) target = "m" + std::to_string(next(6));  // m5 never exists
      auto desired = static_cast<JobState>(next(3));
      jobs.push_back(job("u" + std::to_string(j) + ".service", options[next(std::size(options))],
                         target, desired));
    }
    ClusterModel model(machines, jobs), copy(machines, jobs);
    auto decisions = plan_engine_round(model);
    EXPECT_EQ(plan_engine_round(copy), decisions);
    for (const auto& [name, j] : model.jobs()) {
      if (j.requirements.global || !j.target) continue;
      ASSERT_NE(model.machine(*j.target), nullptr) << name;
      EXPECT_TRUE(able_to_run(j, *model.machine(*j.target), model)) << name << " round " << round;
      EXPECT_NE(j.desired, JobState::inactive) << name;
    }
    expect_stable(model);
  }
}

TEST(Scheduler, DecisionsPrintForLogs) {
  Decision s{DecisionKind::schedule,
             "a.service",
             "m1",
             "target state launched and unit not scheduled",
             {}};
  EXPECT_EQ(to_string(s), "schedule a.service on m1: target state launched and unit not scheduled");
  Decision u{DecisionKind::unschedule, "a.service", "m1", "target state inactive", {}};
  EXPECT_EQ(to_string(u), "unschedule a.service from m1: target state inactive");
}

}  // namespace
}  // namespace corestack::fleet
