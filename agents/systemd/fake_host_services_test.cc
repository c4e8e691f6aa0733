// fake_host_services (testing/fake_host_services.cc) on a private bus, driven as the
// locksmith tests will drive it: GetStatus, StatusUpdate signals on command, Reboot logged.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "agents/systemd/bus.h"
#include "agents/systemd/testing/bus_fixture.h"
#include "agents/systemd/testing/child_process.h"

namespace corestack::systemd {
namespace {

using testing::ChildProcess;
using testing::kTestTimeout;
using testing::TempDir;
using Status = std::tuple<int64_t, double, std::string, std::string, int64_t>;

constexpr const char* kUpdateName = "com.coreos.update1";
constexpr const char* kUpdatePath = "/com/coreos/update1";
constexpr const char* kUpdateInterface = "com.coreos.update1.Manager";

class FakeHostServicesTest : public testing::PrivateBusTest {
 protected:
  std::unique_ptr<ChildProcess> start(std::vector<std::string> extra_args) {
    std::vector<std::string> argv = {CORESTACK_FAKE_HOST_SERVICES, "--bus", address(),
                                     "--reboot-log", reboot_log_};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    auto child = std::make_unique<ChildProcess>(argv);
    if (!child->wait_for_line("ready", kTestTimeout)) {
      throw std::runtime_error("fake_host_services did not print ready");
    }
    return child;
  }

  static Status get_status(Bus& bus) {
    return bus.call_method(kUpdateName, kUpdatePath, kUpdateInterface, "GetStatus")
        .read<int64_t, double, std::string, std::string, int64_t>();
  }

  // Collects StatusUpdate signals' operations.
  static Slot collect(Bus& bus, std::vector<std::string>& seen) {
    return bus.match_signal(
        kUpdateName, kUpdatePath, kUpdateInterface, "StatusUpdate", [&seen](Message& m) {
          seen.push_back(std::get<2>(m.read<int64_t, double, std::string, std::string, int64_t>()));
        });
  }

  static void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }

  TempDir dir_;
  std::string reboot_log_ = dir_.path() + "/reboots";
};

TEST_F(FakeHostServicesTest, ServesStatusSignalsAndReboot) {
  auto fake = start({});
  Bus bus = connect();
  EXPECT_EQ(get_status(bus), (Status{0, 0.0, "UPDATE_STATUS_IDLE", "", 0}));

  std::vector<Status> seen;
  Slot slot =
      bus.match_signal(kUpdateName, kUpdatePath, kUpdateInterface, "StatusUpdate", [&](Message& m) {
        ASSERT_EQ(m.signature(), "xdssx");
        seen.push_back(m.read<int64_t, double, std::string, std::string, int64_t>());
      });
  fake->write_line("status UPDATE_STATUS_UPDATED_NEED_REBOOT");
  ASSERT_TRUE(bus.run_until([&] { return !seen.empty(); }, kTestTimeout));
  EXPECT_EQ(seen, (std::vector<Status>{{0, 0.0, "UPDATE_STATUS_UPDATED_NEED_REBOOT", "", 0}}));
  EXPECT_EQ(std::get<2>(get_status(bus)), "UPDATE_STATUS_UPDATED_NEED_REBOOT");

  bus.call_method("org.freedesktop.login1", "/org/freedesktop/login1",
                  "org.freedesktop.login1.Manager", "Reboot", false);
  std::ifstream log(reboot_log_);
  std::string word, sender;
  long long ns = 0;
  ASSERT_TRUE(log >> word >> ns >> sender) << "reboot log is empty";
  EXPECT_EQ(word, "reboot");
  EXPECT_GT(ns, 0);
  EXPECT_EQ(sender, bus.unique_name());
  std::vector<std::string> skipped;
  EXPECT_TRUE(
      fake->wait_for_line("reboot " + std::to_string(ns) + " " + sender, kTestTimeout, &skipped));
}

TEST_F(FakeHostServicesTest, InitialStatusAndRebootArgumentsAreChecked) {
  auto fake = start({"--status", "UPDATE_STATUS_UPDATED_NEED_REBOOT"});
  Bus bus = connect();
  EXPECT_EQ(std::get<2>(get_status(bus)), "UPDATE_STATUS_UPDATED_NEED_REBOOT");
  try {
    bus.call_method("org.freedesktop.login1", "/org/freedesktop/login1",
                    "org.freedesktop.login1.Manager", "Reboot", "now");
    FAIL() << "no error";
  } catch (const BusError& e) {
    EXPECT_EQ(e.name, "org.freedesktop.DBus.Error.InvalidArgs");
  }
}

TEST_F(FakeHostServicesTest, SignalBadHasTheWrongSignature) {
  auto fake = start({});
  Bus bus = connect();
  std::vector<std::string> signatures;
  Slot slot = bus.match_signal("", kUpdatePath, kUpdateInterface, "StatusUpdate",
                               [&](Message& m) { signatures.push_back(m.signature()); });
  fake->write_line("signal-bad");
  ASSERT_TRUE(bus.run_until([&] { return !signatures.empty(); }, kTestTimeout));
  EXPECT_EQ(signatures, (std::vector<std::string>{"s"}));
}

TEST_F(FakeHostServicesTest, UpdateEngineMayJoinTheBusLater) {
  auto fake = start({"--no-update-engine"});
  Bus bus = connect();
  try {
    get_status(bus);
    FAIL() << "no error";
  } catch (const BusError& e) {
    EXPECT_EQ(e.name, "org.freedesktop.DBus.Error.ServiceUnknown");
  }
  fake->write_line("own-update-engine");
  ASSERT_TRUE(fake->wait_for_line("owned com.coreos.update1", kTestTimeout));
  EXPECT_EQ(std::get<2>(get_status(bus)), "UPDATE_STATUS_IDLE");
}

TEST_F(FakeHostServicesTest, ExitsOnQuitAndAtEndOfInput) {
  auto fake = start({});
  fake->write_line("quit");
  auto status = fake->wait_exit(kTestTimeout);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;

  auto other = start({});
  other->close_stdin();
  status = other->wait_exit(kTestTimeout);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
}

TEST_F(FakeHostServicesTest, UpdateEngineOnlyLeavesLogindToTheRealOne) {
  auto fake = start({"--update-engine-only"});
  Bus bus = connect();
  EXPECT_EQ(std::get<2>(get_status(bus)), "UPDATE_STATUS_IDLE");
  try {
    bus.call_method("org.freedesktop.login1", "/org/freedesktop/login1",
                    "org.freedesktop.login1.Manager", "Reboot", false);
    FAIL() << "no error";
  } catch (const BusError& e) {
    EXPECT_EQ(e.name, "org.freedesktop.DBus.Error.ServiceUnknown");
  }
  Bus logind = connect();
  logind.request_name("org.freedesktop.login1");  // free for the real one
}

// The e2e image's update engine: the test writes the operation into a file under /run.
TEST_F(FakeHostServicesTest, StatusFileSetsTheOperationAndEachChangeIsSignalled) {
  const std::string file = dir_.path() + "/run/update-engine/status";  // directory missing
  auto fake = start({"--update-engine-only", "--status-file", file});
  Bus bus = connect();
  EXPECT_EQ(std::get<2>(get_status(bus)), "UPDATE_STATUS_IDLE");
  std::vector<std::string> seen;
  Slot slot = collect(bus, seen);

  write_file(file, "  UPDATE_STATUS_UPDATED_NEED_REBOOT \nignored second line\n");
  ASSERT_TRUE(fake->wait_for_line("status UPDATE_STATUS_UPDATED_NEED_REBOOT", kTestTimeout));
  ASSERT_TRUE(bus.run_until([&] { return seen.size() == 1; }, kTestTimeout));
  EXPECT_EQ(std::get<2>(get_status(bus)), "UPDATE_STATUS_UPDATED_NEED_REBOOT");

  write_file(file, "UPDATE_STATUS_UPDATED_NEED_REBOOT\n");  // unchanged: no signal
  write_file(file + ".new", "UPDATE_STATUS_CHECKING_FOR_UPDATE\n");
  ASSERT_EQ(std::rename((file + ".new").c_str(), file.c_str()), 0);  // renamed over
  ASSERT_TRUE(fake->wait_for_line("status UPDATE_STATUS_CHECKING_FOR_UPDATE", kTestTimeout));
  ASSERT_EQ(std::remove(file.c_str()), 0);  // gone: back to --status
  ASSERT_TRUE(fake->wait_for_line("status UPDATE_STATUS_IDLE", kTestTimeout));
  ASSERT_TRUE(bus.run_until([&] { return seen.size() == 3; }, kTestTimeout));
  EXPECT_EQ(seen,
            (std::vector<std::string>{"UPDATE_STATUS_UPDATED_NEED_REBOOT",
                                      "UPDATE_STATUS_CHECKING_FOR_UPDATE", "UPDATE_STATUS_IDLE"}));
}

TEST_F(FakeHostServicesTest, StatusFilePresentAtStartIsTheInitialStatus) {
  const std::string file = dir_.path() + "/status";
  write_file(file, "UPDATE_STATUS_UPDATED_NEED_REBOOT\n");
  auto fake = start({"--status-file", file});
  Bus bus = connect();
  EXPECT_EQ(std::get<2>(get_status(bus)), "UPDATE_STATUS_UPDATED_NEED_REBOOT");
  write_file(file, "\n");  // empty: --status
  ASSERT_TRUE(fake->wait_for_line("status UPDATE_STATUS_IDLE", kTestTimeout));
}

TEST_F(FakeHostServicesTest, NoStdinRunsUntilSigterm) {
  auto fake = start({"--update-engine-only", "--no-stdin"});
  fake->close_stdin();
  Bus bus = connect();
  EXPECT_EQ(std::get<2>(get_status(bus)), "UPDATE_STATUS_IDLE");  // still there
  ASSERT_EQ(::kill(fake->pid(), SIGTERM), 0);
  auto status = fake->wait_exit(kTestTimeout);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
}

}  // namespace
}  // namespace corestack::systemd
