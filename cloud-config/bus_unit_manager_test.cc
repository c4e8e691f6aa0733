// The D-Bus apply path: BusUnitManager against fake_systemd (agents/systemd/testing) and
// against a scripted manager that never finishes its job (the bounded wait), and the
// coreos-cloudinit binary with --root and --bus applying a config to fake_systemd.
// fake_systemd implements StartUnit, StopUnit, Reload, LinkUnitFiles and EnableUnitFiles but
// not RestartUnit & co., MaskUnitFiles (cloudinit masks with a symlink, as the reference
// does) or StartTransientUnit, and sends no signals; the configs here stay within that.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "agents/systemd/bus.h"
#include "agents/systemd/testing/bus_fixture.h"
#include "agents/systemd/testing/child_process.h"
#include "cloud-config/bus_unit_manager.h"

namespace corestack::cloudinit {
namespace {

using namespace std::chrono_literals;
using systemd::testing::ChildProcess;
using systemd::testing::kTestTimeout;
using systemd::testing::TempDir;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

class FakeSystemdBusTest : public systemd::testing::PrivateBusTest {
 protected:
  void start_fake() {
    fake_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{CORESTACK_FAKE_SYSTEMD, "--bus", address(), "--log-dir",
                                 dir_.path(), "--state-file", state_file_});
    ASSERT_TRUE(fake_->wait_for_line("ready", kTestTimeout));
  }
  void TearDown() override {
    if (!fake_) return;
    fake_->close_stdin();
    const auto status = fake_->wait_exit(kTestTimeout);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  }
  nlohmann::json state() const { return nlohmann::json::parse(read_text(state_file_)); }
  std::string write(const std::string& rel, const std::string& content) const {
    const std::string p = dir_.path() + "/" + rel;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    std::ofstream(p) << content;
    return p;
  }

  TempDir dir_;
  std::string state_file_ = dir_.path() + "/state.json";
  std::unique_ptr<ChildProcess> fake_;
};

TEST_F(FakeSystemdBusTest, LinkReloadStartStopWithBoundedWaits) {
  start_fake();
  const std::string unit =
      write("units/sleeper.service", "[Service]\nExecStart=/bin/sh -c 'exec sleep 1000'\n");
  systemd::Bus bus = connect();
  BusUnitManager units(bus, 5s);
  units.link(unit, true);
  units.reload();
  const auto start = std::chrono::steady_clock::now();
  // fake_systemd sends no JobRemoved; the job object being gone ends the wait.
  EXPECT_EQ(units.run("start", "sleeper.service"), "done (no JobRemoved signal)");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  EXPECT_EQ(state()["units"]["sleeper.service"]["active_state"], "active");
  units.run("stop", "sleeper.service");
  EXPECT_NE(state()["units"]["sleeper.service"]["active_state"], "active");
}

TEST_F(FakeSystemdBusTest, ADBusErrorThrows) {
  start_fake();
  systemd::Bus bus = connect();
  BusUnitManager units(bus, 1s);
  EXPECT_THROW(units.run("start", "missing.service"), systemd::BusError);
  EXPECT_THROW(units.run("restart", "missing.service"), systemd::BusError);  // not implemented
}

// A manager whose StartUnit job never finishes (its object stays), or finishes with a
// JobRemoved sent before the method's reply.
class ScriptedManagerTest : public systemd::testing::PrivateBusTest {
 protected:
  void serve(bool send_job_removed) {
    server_ = std::make_unique<systemd::testing::ServerThread>(
        address(), [send_job_removed](systemd::Bus& bus, std::vector<systemd::Slot>& slots) {
          bus.request_name("org.freedesktop.systemd1");
          slots.push_back(bus.serve_object(
              "/org/freedesktop/systemd1", [&bus, send_job_removed](systemd::Message& call) {
                if (call.member() == "Subscribe") return systemd::reply(call);
                if (call.member() != "StartUnit") return;
                std::string unit, mode;
                call.read(unit, mode);
                if (send_job_removed) {
                  bus.emit_signal("/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
                                  "JobRemoved", uint32_t{7},
                                  systemd::ObjectPath{"/org/freedesktop/systemd1/job/7"}, unit,
                                  std::string("failed"));
                }
                systemd::reply(call, systemd::ObjectPath{"/org/freedesktop/systemd1/job/7"});
              }));
          slots.push_back(
              bus.serve_object("/org/freedesktop/systemd1/job/7", [](systemd::Message& call) {
                systemd::Message r = systemd::new_method_return(call);
                r.open('v', "s").append("running").close();
                systemd::send_reply(call, r);
              }));
        });
  }
  std::unique_ptr<systemd::testing::ServerThread> server_;
};

TEST_F(ScriptedManagerTest, AJobThatNeverFinishesIsWaitedForOnlyUntilTheBound) {
  serve(false);
  systemd::Bus bus = connect();
  BusUnitManager units(bus, 700ms);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(units.run("start", "after-cloudinit.service"), "timeout waiting");
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 650ms);
  EXPECT_LT(took, 5s);
}

TEST_F(ScriptedManagerTest, JobRemovedBeforeTheReplyGivesTheResult) {
  serve(true);
  systemd::Bus bus = connect();
  BusUnitManager units(bus, 5s);
  EXPECT_EQ(units.run("start", "x.service"), "failed");
}

TEST_F(FakeSystemdBusTest, BinaryAppliesUnitsOverTheBus) {
  start_fake();
  const std::string root = dir_.path() + "/root";
  const std::string config = write("user-data",
                                   "#cloud-config\n"
                                   "coreos:\n"
                                   "  etcd2:\n"
                                   "    name: node1\n"
                                   "  units:\n"
                                   "    - name: web.service\n"
                                   "      enable: true\n"
                                   "      content: |\n"
                                   "        [Service]\n"
                                   "        ExecStart=/bin/sh -c 'exec sleep 1000'\n"
                                   "        [Install]\n"
                                   "        WantedBy=multi-user.target\n"
                                   "      command: start\n"
                                   "    - name: once.service\n"
                                   "      runtime: true\n"
                                   "      content: |\n"
                                   "        [Service]\n"
                                   "        Type=oneshot\n"
                                   "        RemainAfterExit=yes\n"
                                   "        ExecStart=/bin/true\n"
                                   "      command: start\n");
  ChildProcess cloudinit({CORESTACK_CLOUDINIT, "--from-file", config, "--root", root, "--bus",
                          address(), "--job-timeout", "5"});
  const auto status = cloudinit.wait_exit(30s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
  const auto s = state();
  EXPECT_EQ(s["units"]["web.service"]["active_state"], "active");
  EXPECT_EQ(s["units"]["once.service"]["active_state"], "active");
  EXPECT_EQ(s["units"]["once.service"]["sub_state"], "exited");
  EXPECT_TRUE(s["enabled"].contains("web.service"));
  EXPECT_GE(s["reloads"].get<int>(), 1);
  EXPECT_EQ(read_text(root + "/var/lib/coreos-cloudinit/actions"),
            "write /etc/systemd/system/web.service 0644\n"
            "enable web.service\n"
            "write /run/systemd/system/once.service 0644\n"
            "link /run/systemd/system/once.service\n"
            "write /run/systemd/system/etcd2.service.d/20-cloudinit.conf 0644\n"
            "daemon-reload\n"
            "start web.service\n"
            "start once.service\n");
}

}  // namespace
}  // namespace corestack::cloudinit
