#include "agents/fleet/agent.h"

#include <gtest/gtest.h>

namespace corestack::fleet {
namespace {

using std::chrono::seconds;

UnitFile unit(const std::string& text) {
  auto parsed = UnitFile::parse(text);
  if (!parsed) throw std::runtime_error(parsed.error());
  return *parsed;
}

class FakeRegistry : public AgentRegistry {
 public:
  void add(const std::string& name, const UnitFile& file, JobState desired,
           std::optional<std::string> target) {
    files[file.hash()] = file;
    job_list.push_back({name, file.hash(), desired, std::move(target)});
  }

  Expected<std::vector<JobRecord>, std::string> jobs() override { return job_list; }
  Expected<std::map<UnitHash, UnitFile>, std::string> units() override { return files; }
  Expected<Done, std::string> set_job_state(const std::string& u, seconds ttl) override {
    log.push_back("job-state " + u + " ttl " + std::to_string(ttl.count()));
    return Done{};
  }
  Expected<Done, std::string> clear_job_state(const std::string& u) override {
    log.push_back("clear job-state " + u);
    return Done{};
  }
  Expected<Done, std::string> publish_state(const std::string& u, const UnitStateRecord& s,
                                            seconds) override {
    log.push_back("state " + u + " " + s.active_state + " " + s.unit_hash.substr(0, 7));
    return Done{};
  }
  Expected<Done, std::string> remove_state(const std::string& u) override {
    log.push_back("remove state " + u);
    return Done{};
  }

  std::vector<JobRecord> job_list;
  std::map<UnitHash, UnitFile> files;
  std::vector<std::string> log;
};

class FakeExecutor : public UnitExecutor {
 public:
  std::map<std::string, CurrentUnit> current_units() override { return current; }
  Expected<Done, std::string> execute(const std::vector<AgentTask>& tasks,
                                      const std::map<std::string, UnitFile>& files) override {
    if (fail) return unexpected(std::string("StartUnit: access denied"));
    for (const auto& t : tasks) {
      executed.push_back(std::string(to_string(t.type)) + (t.unit.empty() ? "" : " " + t.unit));
      if (t.type == AgentTaskType::load_unit) {
        EXPECT_TRUE(files.count(t.unit)) << "no file handed over for " << t.unit;
        current[t.unit] = {JobState::loaded, files.at(t.unit).hash()};
      } else if (t.type == AgentTaskType::start_unit) {
        current[t.unit].state = JobState::launched;
      } else if (t.type == AgentTaskType::unload_unit) {
        current.erase(t.unit);
      }
    }
    return Done{};
  }
  std::map<std::string, SystemdState> poll_states() override { return states; }

  std::map<std::string, CurrentUnit> current;
  std::map<std::string, SystemdState> states;
  std::vector<std::string> executed;
  bool fail = false;
};

const std::string kMe = "0123456789abcdef0123456789abcdef";
const std::string kOther = "fedcba9876543210fedcba9876543210";

class AgentTest : public ::testing::Test {
 protected:
  Agent agent() { return Agent({kMe, {{"role", "web"}}, seconds(30)}, registry, executor); }

  FakeRegistry registry;
  FakeExecutor executor;
};

TEST_F(AgentTest, LaunchesAUnitScheduledHereWithOneReloadBeforeTheStart) {
  registry.add("hello.service", unit("[Service]\nExecStart=/bin/true\n"), JobState::launched, kMe);
  registry.add("there.service", unit("[Service]\nExecStart=/bin/false\n"), JobState::launched,
               kOther);
  auto a = agent();
  auto round = a.reconcile();
  ASSERT_TRUE(round.ok()) << round.error();
  EXPECT_EQ(executor.executed,
            (std::vector<std::string>{"LoadUnit hello.service", "ReloadUnitFiles",
                                      "StartUnit hello.service"}));
  EXPECT_EQ(registry.log, std::vector<std::string>{"job-state hello.service ttl 30"});
  // A second round has nothing to do.
  auto again = a.reconcile();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->tasks.empty());
}

TEST_F(AgentTest, GlobalUnitsRunWhereTheMetadataMatchesAndSaySoWhereNot) {
  registry.add("web.service",
               unit("[Service]\nExecStart=/bin/true\n[X-Fleet]\nGlobal=true\n"
                    "MachineMetadata=role=web\n"),
               JobState::launched, std::nullopt);
  registry.add("db.service",
               unit("[Service]\nExecStart=/bin/true\n[X-Fleet]\nGlobal=true\n"
                    "MachineMetadata=role=db\n"),
               JobState::launched, std::nullopt);
  auto a = agent();
  auto round = a.reconcile();
  ASSERT_TRUE(round.ok()) << round.error();
  EXPECT_EQ(executor.current.count("web.service"), 1u);
  EXPECT_EQ(executor.current.count("db.service"), 0u);
  ASSERT_EQ(round->skipped.size(), 1u);
  EXPECT_EQ(round->skipped[0].name, "db.service");
}

TEST_F(AgentTest, StoppingAndUnloadingClearTheJobState) {
  UnitFile file = unit("[Service]\nExecStart=/bin/true\n");
  registry.add("a.service", file, JobState::loaded, kMe);
  registry.add("b.service", file, JobState::inactive, kMe);
  executor.current["a.service"] = {JobState::launched, file.hash()};
  executor.current["b.service"] = {JobState::loaded, file.hash()};
  auto a = agent();
  ASSERT_TRUE(a.reconcile().ok());
  EXPECT_EQ(executor.executed, (std::vector<std::string>{"UnloadUnit b.service", "ReloadUnitFiles",
                                                         "StopUnit a.service"}));
  EXPECT_EQ(registry.log,
            (std::vector<std::string>{"clear job-state b.service", "clear job-state a.service"}));
}

TEST_F(AgentTest, AFailedBatchIsReportedAndWritesNoJobState) {
  registry.add("hello.service", unit("[Service]\nExecStart=/bin/true\n"), JobState::launched, kMe);
  executor.fail = true;
  auto a = agent();
  auto round = a.reconcile();
  ASSERT_FALSE(round.ok());
  EXPECT_NE(round.error().find("access denied"), std::string::npos);
  EXPECT_TRUE(registry.log.empty());
}

TEST_F(AgentTest, AJobWhoseUnitFileIsMissingIsLeftAlone) {
  registry.add("hello.service", unit("[Service]\nExecStart=/bin/true\n"), JobState::launched, kMe);
  registry.files.clear();
  auto a = agent();
  auto round = a.reconcile();
  ASSERT_TRUE(round.ok());
  EXPECT_TRUE(round->tasks.empty());
}

TEST_F(AgentTest, PublishesChangesAtOnceAndEverythingOnRefresh) {
  UnitFile file = unit("[Service]\nExecStart=/bin/true\n");
  registry.add("hello.service", file, JobState::launched, kMe);
  auto a = agent();
  ASSERT_TRUE(a.reconcile().ok());
  registry.log.clear();
  executor.states["hello.service"] = {"loaded", "active", "running"};
  a.publish(false);
  const std::string hash7 = file.hash().hex().substr(0, 7);
  EXPECT_EQ(registry.log, std::vector<std::string>{"state hello.service active " + hash7});
  a.publish(false);  // unchanged: nothing
  EXPECT_EQ(registry.log.size(), 1u);
  a.publish(true);  // refresh: the state again and the heartbeat
  EXPECT_EQ(registry.log, (std::vector<std::string>{"state hello.service active " + hash7,
                                                    "state hello.service active " + hash7,
                                                    "job-state hello.service ttl 30"}));
  executor.states.clear();  // unloaded: its state goes
  a.publish(false);
  EXPECT_EQ(registry.log.back(), "remove state hello.service");
}

}  // namespace
}  // namespace corestack::fleet
