// UnitManager against fake_systemd on a private bus: the files it writes, the D-Bus calls in
// fleet's order (link, enable, one reload, start; stop before disable, reset and delete),
// plans from plan_agent_tasks() executed end to end, restarts over an existing directory.
#include "agents/fleet/unit_manager.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "agents/fleet/fake_systemd_fixture.h"

namespace corestack::fleet {
namespace {

namespace fs = std::filesystem;
using testing::eventually;
using testing::process_exists;
using testing::wait_for_pid_file;

UnitFile parse(const std::string& text) {
  auto unit = UnitFile::parse(text);
  EXPECT_TRUE(unit) << unit.error();
  return unit ? *unit : UnitFile();
}

class UnitManagerTest : public testing::FakeSystemdTest {
 protected:
  void start_all(std::vector<std::string> fake_args = {}) {
    start_fake(std::move(fake_args));
    open_manager();
  }

  void open_manager() {
    auto manager = UnitManager::open(*systemd_, units_dir_);
    ASSERT_TRUE(manager) << manager.error();
    manager_.emplace(std::move(*manager));
  }

  std::string pid_file(const std::string& unit) const { return dir_.path() + "/" + unit + ".pid"; }

  UnitFile sleeper(const std::string& unit, bool install = false) {
    return parse(testing::sleeper_unit(unit, pid_file(unit), install));
  }

  // Plans from `desired` against the manager's current units and executes the plan with
  // files from `files`.
  Expected<void, std::string> converge(const std::map<std::string, JobState>& desired,
                                       const std::map<std::string, UnitFile>& files) {
    std::map<std::string, DesiredUnit> units;
    for (const auto& [name, state] : desired)
      units[name] = DesiredUnit{state, files.at(name).hash()};
    const auto tasks = plan_agent_tasks(units, manager_->current_units());
    return manager_->execute(tasks,
                             [&](const std::string& name) -> Expected<UnitFile, std::string> {
                               auto it = files.find(name);
                               if (it == files.end()) return unexpected("no file for " + name);
                               return it->second;
                             });
  }

  std::string units_dir_ = dir_.path() + "/units/";  // trailing '/', as fleet's default
  std::optional<UnitManager> manager_;
};

TEST_F(UnitManagerTest, LoadWritesTheCanonicalFileAndLinksIt) {
  start_all();
  const UnitFile unit =
      parse("# comment\n[Service]\nExecStart = /bin/true\n\n[Unit]\nDescription=x\n");
  ASSERT_TRUE(manager_->load("a.service", unit));

  const std::string path = manager_->unit_path("a.service");
  EXPECT_EQ(path, dir_.path() + "/units/a.service");
  EXPECT_EQ(testing::read_text(path), unit.serialize());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  const auto state = fake_state();
  EXPECT_EQ(state["links"]["a.service"]["path"], path);
  EXPECT_EQ(state["links"]["a.service"]["runtime"], true);
  EXPECT_FALSE(state["enabled"].contains("a.service"));  // no [Install]: not enabled
  EXPECT_EQ(state["reloads"], 0);
  EXPECT_EQ(manager_->current_units(),
            (std::map<std::string, CurrentUnit>{{"a.service", {JobState::loaded, unit.hash()}}}));
}

TEST_F(UnitManagerTest, LoadEnablesAUnitWithAnInstallSection) {
  start_all();
  ASSERT_TRUE(manager_->load("a.service", sleeper("a.service", true)));
  const auto enabled = fake_state()["enabled"]["a.service"];
  EXPECT_EQ(enabled["runtime"], true);
  EXPECT_EQ(enabled["symlinks"][0], "/run/systemd/system/multi-user.target.wants/a.service");
}

TEST_F(UnitManagerTest, RefusesNamesItDoesNotManage) {
  start_all();
  EXPECT_FALSE(manager_->load("../evil.service", sleeper("a.service")));
  EXPECT_FALSE(manager_->load("multi-user.target", sleeper("a.service")));
  EXPECT_TRUE(fs::is_empty(units_dir_));
}

TEST_F(UnitManagerTest, StartBeforeReloadFailsInTheStrictFake) {
  start_all();
  ASSERT_TRUE(manager_->load("a.service", sleeper("a.service")));
  auto started = manager_->start("a.service");
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().find("NoSuchUnit"), std::string::npos) << started.error();
  EXPECT_EQ(manager_->current_units().at("a.service").state, JobState::loaded);
}

TEST_F(UnitManagerTest, ExecuteReloadsOnceAfterEveryLoadAndBeforeAnyStart) {
  start_all();
  const std::map<std::string, UnitFile> files = {{"a.service", sleeper("a.service")},
                                                 {"b.service", sleeper("b.service", true)},
                                                 {"c.service", sleeper("c.service")}};
  auto done = converge({{"a.service", JobState::launched},
                        {"b.service", JobState::launched},
                        {"c.service", JobState::loaded}},
                       files);
  ASSERT_TRUE(done) << done.error();

  EXPECT_EQ(fake_state()["reloads"], 1);
  const auto events = events_until("start b.service pid ");
  const auto at = [&](const std::string& prefix) {
    return std::find_if(events.begin(), events.end(),
                        [&](const std::string& e) { return e.rfind(prefix, 0) == 0; }) -
           events.begin();
  };
  ASSERT_EQ(std::count(events.begin(), events.end(), "reload"), 1)
      << ::testing::PrintToString(events);
  const auto reload = at("reload");
  EXPECT_LT(at("link " + manager_->unit_path("a.service")), reload);
  EXPECT_LT(at("link " + manager_->unit_path("c.service")), reload);
  EXPECT_LT(at("enable "), reload);
  EXPECT_GT(at("start a.service pid "), reload);
  EXPECT_GT(at("start b.service pid "), reload);
  EXPECT_LT(at("start b.service pid "), static_cast<long>(events.size()));
  EXPECT_EQ(manager_->current_units().at("a.service").state, JobState::launched);
  EXPECT_EQ(manager_->current_units().at("c.service").state, JobState::loaded);
  EXPECT_TRUE(process_exists(wait_for_pid_file(pid_file("a.service"))));
  EXPECT_TRUE(process_exists(wait_for_pid_file(pid_file("b.service"))));
}

TEST_F(UnitManagerTest, ExecuteStopsAtTheFirstFailureButReloadsWhatChanged) {
  start_all();
  const std::vector<AgentTask> tasks = {{AgentTaskType::load_unit, "a.service", ""},
                                        {AgentTaskType::load_unit, "b.service", ""},
                                        {AgentTaskType::reload_unit_files, "", ""},
                                        {AgentTaskType::start_unit, "a.service", ""}};
  auto done =
      manager_->execute(tasks, [&](const std::string& name) -> Expected<UnitFile, std::string> {
        if (name == "b.service") return unexpected(std::string("unit/<hash> is gone"));
        return sleeper(name);
      });
  ASSERT_FALSE(done);
  EXPECT_NE(done.error().find("LoadUnit b.service: "), std::string::npos) << done.error();
  const auto state = fake_state();
  EXPECT_EQ(state["reloads"], 1);  // a.service reached systemd, so the next round can start it
  EXPECT_EQ(state["units"]["a.service"]["active_state"], "inactive");
  ASSERT_TRUE(manager_->start("a.service"));
}

TEST_F(UnitManagerTest, StartRunsTheCommandAndStopEndsIt) {
  start_all();
  ASSERT_TRUE(manager_->load("a.service", sleeper("a.service")));
  ASSERT_TRUE(manager_->reload());
  ASSERT_TRUE(manager_->start("a.service"));
  const pid_t pid = wait_for_pid_file(pid_file("a.service"));
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(process_exists(pid));
  EXPECT_EQ(manager_->current_units().at("a.service").state, JobState::launched);

  ASSERT_TRUE(manager_->stop("a.service"));
  EXPECT_TRUE(eventually([&] { return !process_exists(pid); }));
  EXPECT_EQ(manager_->current_units().at("a.service").state, JobState::loaded);
  EXPECT_TRUE(eventually([&] {
    auto states = systemd_->unit_states({"a.service"});
    return states && states->at("a.service").active_state == "inactive";
  }));
  EXPECT_TRUE(fs::exists(manager_->unit_path("a.service")));
}

TEST_F(UnitManagerTest, UnloadStopsDisablesResetsAndDeletes) {
  start_all();
  ASSERT_TRUE(manager_->load("a.service", sleeper("a.service", true)));
  ASSERT_TRUE(manager_->reload());
  ASSERT_TRUE(manager_->start("a.service"));
  const pid_t pid = wait_for_pid_file(pid_file("a.service"));
  ASSERT_GT(pid, 0);

  ASSERT_TRUE(manager_->unload("a.service"));
  EXPECT_FALSE(fs::exists(manager_->unit_path("a.service")));
  EXPECT_TRUE(manager_->current_units().empty());
  const auto events = events_until("reset-failed a.service");
  const auto stop = std::find(events.begin(), events.end(), "stop a.service");
  const auto disable = std::find(events.begin(), events.end(), "disable a.service");
  const auto reset = std::find(events.begin(), events.end(), "reset-failed a.service");
  ASSERT_NE(reset, events.end()) << ::testing::PrintToString(events);
  EXPECT_TRUE(stop < disable && disable < reset) << ::testing::PrintToString(events);
  const auto state = fake_state();
  EXPECT_FALSE(state["links"].contains("a.service"));
  EXPECT_FALSE(state["enabled"].contains("a.service"));
  EXPECT_TRUE(eventually([&] { return !process_exists(pid); }));
}

TEST_F(UnitManagerTest, UnloadOfAUnitSystemdNeverLoadedRemovesItsFile) {
  start_all();
  // Linked but never reloaded (as after a crash between writing and reloading): systemd
  // answers StopUnit with NoSuchUnit, so nothing runs under that name.
  ASSERT_TRUE(manager_->load("a.service", sleeper("a.service")));
  auto unloaded = manager_->unload("a.service");
  ASSERT_TRUE(unloaded) << unloaded.error();
  EXPECT_FALSE(fs::exists(manager_->unit_path("a.service")));
  EXPECT_TRUE(manager_->current_units().empty());
  EXPECT_FALSE(fake_state()["links"].contains("a.service"));
}

TEST_F(UnitManagerTest, ChangedUnitIsUnloadedLoadedAndStartedAgain) {
  start_all();
  std::map<std::string, UnitFile> files = {{"a.service", sleeper("a.service")}};
  ASSERT_TRUE(converge({{"a.service", JobState::launched}}, files));
  const pid_t old_pid = wait_for_pid_file(pid_file("a.service"));
  ASSERT_GT(old_pid, 0);
  fs::remove(pid_file("a.service"));

  files["a.service"] = parse(testing::sleeper_unit("version 2", pid_file("a.service")));
  std::map<std::string, DesiredUnit> desired = {
      {"a.service", {JobState::launched, files["a.service"].hash()}}};
  const auto tasks = plan_agent_tasks(desired, manager_->current_units());
  ASSERT_EQ(tasks.size(), 4u);
  EXPECT_EQ(tasks[0].type, AgentTaskType::unload_unit);
  EXPECT_EQ(tasks[3].type, AgentTaskType::start_unit);
  auto done = converge({{"a.service", JobState::launched}}, files);
  ASSERT_TRUE(done) << done.error();

  EXPECT_EQ(testing::read_text(manager_->unit_path("a.service")), files["a.service"].serialize());
  const pid_t new_pid = wait_for_pid_file(pid_file("a.service"));
  ASSERT_GT(new_pid, 0);
  EXPECT_NE(new_pid, old_pid);
  EXPECT_TRUE(process_exists(new_pid));
  EXPECT_TRUE(eventually([&] { return !process_exists(old_pid); }));
  const auto state = fake_state();
  EXPECT_EQ(state["reloads"], 2);
  EXPECT_EQ(state["units"]["a.service"]["description"], "version 2");
  EXPECT_EQ(manager_->current_units().at("a.service"),
            (CurrentUnit{JobState::launched, files["a.service"].hash()}));
}

void expect_running_record(const std::map<std::string, UnitStateRecord>& records,
                           const std::string& name, const UnitHash& hash) {
  ASSERT_EQ(records.count(name), 1u);
  const UnitStateRecord& r = records.at(name);
  EXPECT_EQ(r.load_state + " " + r.active_state + " " + r.sub_state, "loaded active running");
  EXPECT_EQ(r.unit_hash, hash.hex());
  ASSERT_TRUE(r.machine_state.has_value());
  EXPECT_EQ(r.machine_state->id, "m1");
}

TEST_F(UnitManagerTest, PollsStatesThroughListUnitsByNames) {
  start_all();
  const std::map<std::string, UnitFile> files = {{"a.service", sleeper("a.service")},
                                                 {"b.service", sleeper("b.service")}};
  ASSERT_TRUE(
      converge({{"a.service", JobState::launched}, {"b.service", JobState::loaded}}, files));
  auto records = manager_->poll_states("m1");
  ASSERT_TRUE(records) << records.error();
  EXPECT_EQ(records->size(), 2u);
  expect_running_record(*records, "a.service", files.at("a.service").hash());
  EXPECT_EQ(records->at("b.service").active_state, "inactive");
  EXPECT_FALSE(systemd_->uses_list_units_fallback());
}

TEST_F(UnitManagerTest, PollsStatesThroughTheFallback) {
  start_all({"--no-list-units-by-names"});
  const std::map<std::string, UnitFile> files = {{"a.service", sleeper("a.service")}};
  ASSERT_TRUE(converge({{"a.service", JobState::launched}}, files));
  ASSERT_TRUE(manager_->load("late.service", sleeper("late.service")));  // not reloaded yet
  auto records = manager_->poll_states("m1");
  ASSERT_TRUE(records) << records.error();
  expect_running_record(*records, "a.service", files.at("a.service").hash());
  EXPECT_EQ(records->at("late.service").load_state, "not-found");
  EXPECT_TRUE(systemd_->uses_list_units_fallback());
}

TEST_F(UnitManagerTest, RestartRehashesTheUnitsDirAndIgnoresOtherFiles) {
  start_all();
  const std::map<std::string, UnitFile> files = {{"a.service", sleeper("a.service")},
                                                 {"b.service", sleeper("b.service", true)}};
  ASSERT_TRUE(
      converge({{"a.service", JobState::launched}, {"b.service", JobState::loaded}}, files));
  std::ofstream(units_dir_ + "README") << "not a unit\n";
  std::ofstream(units_dir_ + ".fleet-Ab12Cd") << "[Service]\n";  // a write cut short
  std::ofstream(units_dir_ + "x.target") << "[Unit]\n";          // a type the agent does not manage
  fs::create_directory(units_dir_ + "dir.service");
  // A hand-edited file: comments and spacing do not change the parsed hash.
  std::ofstream(units_dir_ + "c.service") << "# hi\n[Service]\nExecStart = /bin/true\n";

  manager_.reset();
  open_manager();
  EXPECT_EQ(manager_->current_units(),
            (std::map<std::string, CurrentUnit>{
                {"a.service", {JobState::inactive, files.at("a.service").hash()}},
                {"b.service", {JobState::inactive, files.at("b.service").hash()}},
                {"c.service", {JobState::inactive, parse("[Service]\nExecStart=/bin/true").hash()}},
            }));
  EXPECT_FALSE(fs::exists(units_dir_ + ".fleet-Ab12Cd"));
  auto records = manager_->poll_states("m1");
  ASSERT_TRUE(records);
  EXPECT_TRUE(records->empty());  // nothing driven since the restart

  // As after a fleetd restart: everything reads inactive, so the plan loads it again.
  auto all = files;
  all["c.service"] = parse("[Service]\nExecStart=/bin/true\n");
  auto done = converge({{"a.service", JobState::launched},
                        {"b.service", JobState::loaded},
                        {"c.service", JobState::loaded}},
                       all);
  ASSERT_TRUE(done) << done.error();
  EXPECT_EQ(manager_->current_units().at("a.service").state, JobState::launched);
  EXPECT_EQ(manager_->current_units().at("c.service").state, JobState::loaded);
  EXPECT_EQ(testing::read_text(units_dir_ + "c.service"), all["c.service"].serialize());
  EXPECT_TRUE(fs::exists(units_dir_ + "README"));
}

// A stand-in Manager that answers LinkUnitFiles and EnableUnitFiles, refusing `failing`:
// fake_systemd cannot be made to fail either for a file fleet may write.
class StubManagerTest : public systemd::testing::PrivateBusTest {
 protected:
  void serve(const std::string& failing) {
    server_.emplace(address(), [failing](systemd::Bus& bus, std::vector<systemd::Slot>& slots) {
      bus.request_name("org.freedesktop.systemd1");
      slots.push_back(
          bus.serve_object("/org/freedesktop/systemd1", [failing](systemd::Message& call) {
            if (call.member() == failing) {
              systemd::reply_error(call, "org.freedesktop.DBus.Error.AccessDenied", "refused");
            } else if (call.member() == "LinkUnitFiles") {
              systemd::Message r = systemd::new_method_return(call);
              r.open('a', "(sss)").close();
              systemd::send_reply(call, r);
            }
          }));
    });
    bus_.emplace(connect());
    systemd_.emplace(*bus_);
    auto manager = UnitManager::open(*systemd_, dir_.path() + "/units");
    ASSERT_TRUE(manager) << manager.error();
    manager_.emplace(std::move(*manager));
  }

  systemd::testing::TempDir dir_;
  std::optional<systemd::testing::ServerThread> server_;
  std::optional<systemd::Bus> bus_;
  std::optional<SystemdManager> systemd_;
  std::optional<UnitManager> manager_;
};

const char* const kInstallable =
    "[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n";

TEST_F(StubManagerTest, LoadRemovesTheFileWhenEnablingFails) {
  serve("EnableUnitFiles");
  auto loaded = manager_->load("a.service", parse(kInstallable));
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().find("EnableUnitFiles"), std::string::npos) << loaded.error();
  EXPECT_FALSE(fs::exists(manager_->unit_path("a.service")));
  EXPECT_TRUE(manager_->current_units().empty());
}

TEST_F(StubManagerTest, LoadRemovesTheFileWhenLinkingFails) {
  serve("LinkUnitFiles");
  auto loaded = manager_->load("a.service", parse(kInstallable));
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().find("LinkUnitFiles"), std::string::npos) << loaded.error();
  EXPECT_NE(loaded.error().find("AccessDenied"), std::string::npos) << loaded.error();
  EXPECT_FALSE(fs::exists(manager_->unit_path("a.service")));
  EXPECT_TRUE(manager_->current_units().empty());
}

TEST_F(StubManagerTest, UnloadKeepsTheFileWhenStopFails) {
  serve("StopUnit");
  ASSERT_TRUE(manager_->load("a.service", parse("[Service]\nExecStart=/bin/true\n")));
  // fleet#1216: a refused stop may leave the unit running; the file stays so a later
  // unload can still stop it.
  auto unloaded = manager_->unload("a.service");
  ASSERT_FALSE(unloaded);
  EXPECT_NE(unloaded.error().find("StopUnit a.service"), std::string::npos) << unloaded.error();
  EXPECT_NE(unloaded.error().find("AccessDenied"), std::string::npos) << unloaded.error();
  EXPECT_TRUE(fs::exists(manager_->unit_path("a.service")));
  EXPECT_EQ(manager_->current_units().count("a.service"), 1u);
}

TEST_F(StubManagerTest, LongestNamesAreWrittenWhole) {
  serve("none");
  // 255 bytes: the longest file name; fleet itself allows 256, which no file system takes.
  const std::string name = std::string(247, 'x') + ".service";
  ASSERT_TRUE(manager_->load(name, parse("[Service]\nExecStart=/bin/true\n")));
  EXPECT_TRUE(fs::exists(manager_->unit_path(name)));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_.path() + "/units"), fs::directory_iterator()),
            1);  // no temporary left behind
}

}  // namespace
}  // namespace corestack::fleet
