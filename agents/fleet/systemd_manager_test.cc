// SystemdManager against fake_systemd on a private bus: every Manager call fleet makes, the
// errors it returns instead of throwing, and the ListUnitsByNames fallback.
#include "agents/fleet/systemd_manager.h"

#include <gtest/gtest.h>

#include <fstream>

#include "agents/fleet/fake_systemd_fixture.h"

namespace corestack::fleet {
namespace {

using testing::FakeSystemdTest;

TEST(SystemdUnitPath, EscapesLikeSystemdBusLabels) {
  EXPECT_EQ(systemd_unit_path("hello.service"), "/org/freedesktop/systemd1/unit/hello_2eservice");
  EXPECT_EQ(systemd_unit_path("a-b@c.service"),
            "/org/freedesktop/systemd1/unit/a_2db_40c_2eservice");
  EXPECT_EQ(systemd_unit_path("1x.service"), "/org/freedesktop/systemd1/unit/_31x_2eservice");
  EXPECT_EQ(systemd_unit_path(""), "/org/freedesktop/systemd1/unit/_");
}

class SystemdManagerTest : public FakeSystemdTest {
 protected:
  std::string write_unit(const std::string& name, const std::string& text) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
};

TEST_F(SystemdManagerTest, LinkEnableDisableReportTheirChanges) {
  start_fake();
  const std::string path =
      write_unit("a.service", testing::sleeper_unit("A", dir_.path() + "/pid", true));

  auto linked = systemd_->link_unit_files({path}, true, true);
  ASSERT_TRUE(linked) << linked.error();
  EXPECT_EQ(*linked,
            (std::vector<UnitFileChange>{{"symlink", "/run/systemd/system/a.service", path}}));

  auto enabled = systemd_->enable_unit_files({path}, true, true);
  ASSERT_TRUE(enabled) << enabled.error();
  EXPECT_TRUE(enabled->carries_install_info);
  EXPECT_EQ(enabled->changes,
            (std::vector<UnitFileChange>{
                {"symlink", "/run/systemd/system/multi-user.target.wants/a.service", path}}));

  auto disabled = systemd_->disable_unit_files({"a.service"}, true);
  ASSERT_TRUE(disabled) << disabled.error();
  EXPECT_EQ(disabled->size(), 2u);  // the .wants symlink and the link
  EXPECT_FALSE(fake_state()["links"].contains("a.service"));
}

TEST_F(SystemdManagerTest, StartAndStopReturnJobPathsAndDriveTheUnit) {
  start_fake();
  const std::string pid_file = dir_.path() + "/pid";
  const std::string path = write_unit("a.service", testing::sleeper_unit("A", pid_file));
  ASSERT_TRUE(systemd_->link_unit_files({path}, true, true));
  ASSERT_TRUE(systemd_->reload());

  auto job = systemd_->start_unit("a.service");
  ASSERT_TRUE(job) << job.error();
  EXPECT_EQ(job->rfind("/org/freedesktop/systemd1/job/", 0), 0u) << *job;
  const pid_t pid = testing::wait_for_pid_file(pid_file);
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(testing::process_exists(pid));
  auto states = systemd_->unit_states({"a.service"});
  ASSERT_TRUE(states) << states.error();
  EXPECT_EQ(states->at("a.service"), (SystemdUnitState{"loaded", "active", "running"}));

  auto stopped = systemd_->stop_unit("a.service");
  ASSERT_TRUE(stopped) << stopped.error();
  EXPECT_NE(*stopped, *job);
  EXPECT_TRUE(testing::eventually([&] { return !testing::process_exists(pid); }));
  EXPECT_TRUE(systemd_->reset_failed_unit("a.service"));
}

TEST_F(SystemdManagerTest, ErrorsNameTheCallTheUnitAndTheDbusError) {
  start_fake();
  auto started = systemd_->start_unit("missing.service");
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().find("StartUnit missing.service: "), std::string::npos)
      << started.error();
  EXPECT_NE(started.error().find("[org.freedesktop.systemd1.NoSuchUnit]"), std::string::npos)
      << started.error();

  auto linked = systemd_->link_unit_files({"relative.service"}, true, true);
  ASSERT_FALSE(linked);
  EXPECT_NE(linked.error().find("org.freedesktop.DBus.Error.InvalidArgs"), std::string::npos)
      << linked.error();
}

TEST_F(SystemdManagerTest, ListUnitsByNamesReportsEveryNameInOrder) {
  start_fake();
  const std::string path = write_unit("a.service", testing::sleeper_unit("A", "/dev/null"));
  ASSERT_TRUE(systemd_->link_unit_files({path}, true, true));
  ASSERT_TRUE(systemd_->reload());

  auto rows = systemd_->list_units_by_names({"z.service", "a.service"});
  ASSERT_TRUE(rows) << rows.error();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0],
            (SystemdUnitStatus{"z.service", "z.service", {"not-found", "inactive", "dead"}}));
  EXPECT_EQ((*rows)[1], (SystemdUnitStatus{"a.service", "A", {"loaded", "inactive", "dead"}}));
  EXPECT_FALSE(systemd_->uses_list_units_fallback());
  auto none = systemd_->list_units_by_names({});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(SystemdManagerTest, FallsBackToListUnitsAndPropertiesAndRemembersIt) {
  start_fake({"--no-list-units-by-names"});
  const std::string pid_file = dir_.path() + "/pid";
  const std::string path = write_unit("a.service", testing::sleeper_unit("A", pid_file));
  ASSERT_TRUE(systemd_->link_unit_files({path}, true, true));
  ASSERT_TRUE(systemd_->reload());
  ASSERT_TRUE(systemd_->start_unit("a.service"));
  ASSERT_GT(testing::wait_for_pid_file(pid_file), 0);

  for (int round = 0; round < 2; ++round) {
    // a.service comes from ListUnits, missing.service from its properties.
    auto states = systemd_->unit_states({"a.service", "missing.service"});
    ASSERT_TRUE(states) << states.error();
    EXPECT_TRUE(systemd_->uses_list_units_fallback());
    EXPECT_EQ(states->at("a.service"), (SystemdUnitState{"loaded", "active", "running"}));
    EXPECT_EQ(states->at("missing.service"), (SystemdUnitState{"not-found", "inactive", "dead"}));
  }
}

}  // namespace
}  // namespace corestack::fleet
