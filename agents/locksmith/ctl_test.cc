#include "agents/locksmith/ctl.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "agents/etcdclient/testing/fake_etcd.h"

namespace corestack::locksmith {
namespace {

constexpr const char* kKey = "coreos.com/updateengine/rebootlock/semaphore";
constexpr const char* kMe = "0123456789abcdef0123456789abcdef";

struct FakeHost : CtlHost {
  bool is_root() override { return root; }
  Expected<void, std::string> reboot() override {
    ++reboots;
    if (!reboot_error.empty()) return unexpected(reboot_error);
    return Done{};
  }
  Expected<void, std::string> send_need_reboot() override {
    ++signals;
    if (!signal_error.empty()) return unexpected(signal_error);
    return Done{};
  }

  bool root = true;
  int reboots = 0;
  int signals = 0;
  std::string reboot_error;
  std::string signal_error;
};

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

class Ctl : public ::testing::Test {
 protected:
  Ctl() : id_file_(::testing::TempDir() + "locksmithctl_id_" + std::to_string(::getpid())) {
    std::ofstream(id_file_) << kMe << "\n";
    env_["LOCKSMITH_MACHINE_ID_FILE"] = id_file_;
  }
  ~Ctl() override { std::remove(id_file_.c_str()); }

  // locksmithctl -endpoint <fake> <args...>
  Outcome ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"locksmithctl", "-endpoint", etcd_.url()});
    return raw(args);
  }
  Outcome raw(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    auto env = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    int code = run_ctl(args, env, out, err, host_);
    return Outcome{code, out.str(), err.str()};
  }

  std::string id_file_;
  std::map<std::string, std::string> env_;
  etcd::client::testing::FakeEtcd etcd_;
  FakeHost host_;
};

void expect(const Outcome& r, int code, const std::string& out, const std::string& err = "") {
  EXPECT_EQ(r.code, code) << r.out << r.err;
  EXPECT_EQ(r.out, out);
  EXPECT_EQ(r.err, err);
}

TEST_F(Ctl, StatusOfFreshSemaphore) {
  expect(ctl({"status"}), 0, "Available: 1\nMax: 1\n");
  EXPECT_EQ(etcd_.value(kKey), R"({"semaphore":1,"max":1,"holders":null})");
}

TEST_F(Ctl, LockThenStatusListsHolders) {
  expect(ctl({"lock"}), 0, "");
  expect(ctl({"status"}), 0, "Available: 0\nMax: 1\n\nMACHINE ID\n" + std::string(kMe) + "\n");
  expect(ctl({"lock"}), 1, "", "Error locking: semaphore is at 0\n");
  expect(ctl({"set-max", "3"}), 0, "Old-Max: 1\nMax: 3\n");
  expect(ctl({"lock", "aaa"}), 0, "");
  expect(ctl({"lock", "aaa"}), 1, "", "Error locking: holder exists\n");
  expect(ctl({"lock", "bbb"}), 0, "");
  expect(ctl({"lock", "bbb"}), 1, "", "Error locking: semaphore is at 0\n");  // checked first
  expect(ctl({"status"}), 0,
         "Available: 0\nMax: 3\n\nMACHINE ID\n" + std::string(kMe) + "\naaa\nbbb\n");
  expect(ctl({"unlock", "ccc"}), 1, "", "Error unlocking: holder does not exist\n");
  expect(ctl({"unlock"}), 0, "");
  expect(ctl({"unlock", "--", "aaa"}), 0, "");
  EXPECT_EQ(etcd_.value(kKey), R"({"semaphore":2,"max":3,"holders":["bbb"]})");
}

TEST_F(Ctl, SetMaxArgumentErrors) {
  expect(ctl({"set-max"}), 1, "", "New maximum value must be set.\n");
  expect(ctl({"set-max", "1", "2"}), 1, "", "New maximum value must be set.\n");
  expect(ctl({"set-max", "x"}), 1, "", "Invalid maximum value: x\n");
  expect(ctl({"set-max", "1.5"}), 1, "", "Invalid maximum value: 1.5\n");
  expect(ctl({"set-max", "+2"}), 0, "Old-Max: 1\nMax: 2\n");
  expect(ctl({"set-max", "--", "-1"}), 0, "Old-Max: 2\nMax: -1\n");
  EXPECT_EQ(etcd_.value(kKey), R"({"semaphore":-1,"max":-1,"holders":null})");
}

TEST_F(Ctl, ReadErrorsExitOneInsteadOfCrashing) {
  etcd_.put(kKey, "not json");
  Outcome status = ctl({"status"});
  EXPECT_EQ(status.code, 1);
  EXPECT_EQ(status.out, "");
  EXPECT_EQ(status.err.rfind("Error setting value: invalid semaphore JSON: ", 0), 0u) << status.err;
  Outcome set_max = ctl({"set-max", "2"});
  EXPECT_EQ(set_max.code, 1);
  EXPECT_EQ(set_max.out, "");
  EXPECT_EQ(set_max.err.rfind("Error setting value: invalid semaphore JSON: ", 0), 0u);
}

TEST_F(Ctl, CompareFailedIsReported) {
  ASSERT_EQ(ctl({"status"}).code, 0);
  etcd_.fail_next_cas();
  Outcome r = ctl({"lock"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Error locking: 101: Compare failed ([2 != 2]) [2]\n");
  etcd_.fail_next_cas();
  r = ctl({"set-max", "2"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "Error setting value: 101: Compare failed ([2 != 2]) [2]\n");
}

TEST_F(Ctl, GroupUsesItsOwnKey) {
  expect(ctl({"-group", "prod/db", "lock", "x"}), 0, "");
  EXPECT_EQ(etcd_.value("coreos.com/updateengine/rebootlock/groups/prod%252Fdb/semaphore"),
            R"({"semaphore":0,"max":1,"holders":["x"]})");
  expect(ctl({"status"}), 0, "Available: 1\nMax: 1\n");
  env_["LOCKSMITHCTL_GROUP"] = "prod/db";
  expect(ctl({"status"}), 0, "Available: 0\nMax: 1\n\nMACHINE ID\nx\n");
}

TEST_F(Ctl, EndpointFromEnvironment) {
  env_["LOCKSMITHCTL_ENDPOINT"] = etcd_.url();
  expect(raw({"locksmithctl", "status"}), 0, "Available: 1\nMax: 1\n");
}

TEST_F(Ctl, UnreachableClusterIsACleanError) {
  std::string dead = etcd::client::testing::FakeHttpServer::refused_url();
  Outcome r = raw({"locksmithctl", "-endpoint", dead, "status"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("Error initializing etcd client: client: etcd cluster is unavailable or "
                        "misconfigured; error #0: ",
                        0),
            0u)
      << r.err;
  r = raw({"locksmithctl", "-endpoint", "ftp://x", "status"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("Error initializing etcd client: ", 0), 0u) << r.err;
}

TEST_F(Ctl, MachineIdMustBeReadable) {
  env_["LOCKSMITH_MACHINE_ID_FILE"] = id_file_ + ".missing";
  expect(ctl({"lock"}), 1, "", "Cannot read machine-id\n");
  expect(ctl({"unlock"}), 1, "", "Cannot read machine-id\n");
  expect(ctl({"lock", "given"}), 0, "");
}

TEST_F(Ctl, RebootNeedsRoot) {
  host_.root = false;
  expect(ctl({"reboot"}), 1, "", "Must be root to initiate reboot.\n");
  EXPECT_EQ(host_.reboots, 0);
  EXPECT_TRUE(etcd_.requests().empty());
}

TEST_F(Ctl, RebootLocksThenReboots) {
  expect(ctl({"reboot"}), 0, "");
  EXPECT_EQ(host_.reboots, 1);
  EXPECT_EQ(etcd_.value(kKey),
            R"({"semaphore":0,"max":1,"holders":[")" + std::string(kMe) + "\"]}");
  // Already holding the only slot (locksmith#58): reboot again instead of failing.
  expect(ctl({"reboot"}), 0, "");
  EXPECT_EQ(host_.reboots, 2);
  expect(ctl({"unlock"}), 0, "");
  expect(ctl({"lock", "other"}), 0, "");
  expect(ctl({"reboot"}), 1, "", "Error locking: semaphore is at 0\n");
  EXPECT_EQ(host_.reboots, 2);
}

TEST_F(Ctl, FailedRebootGivesBackTheNewSlot) {
  host_.reboot_error = "Error initializing login connection: no bus";
  expect(ctl({"reboot"}), 1, "", "Error initializing login connection: no bus\n");
  EXPECT_EQ(etcd_.value(kKey), R"({"semaphore":1,"max":1,"holders":[]})");
  expect(ctl({"lock"}), 0, "");
  expect(ctl({"reboot"}), 1, "", "Error initializing login connection: no bus\n");
  EXPECT_EQ(etcd_.value(kKey),
            R"({"semaphore":0,"max":1,"holders":[")" + std::string(kMe) + "\"]}");
}

TEST_F(Ctl, SendNeedRebootUsesOnlyTheHost) {
  std::string dead = etcd::client::testing::FakeHttpServer::refused_url();
  expect(raw({"locksmithctl", "-endpoint", dead, "send-need-reboot"}), 0, "");
  EXPECT_EQ(host_.signals, 1);
  host_.signal_error = "error connecting to system dbus: nope";
  expect(raw({"locksmithctl", "send-need-reboot"}), 1, "",
         "error connecting to system dbus: nope\n");
}

TEST_F(Ctl, UsageErrorsExitTwo) {
  expect(raw({"locksmithctl", "frob"}), 2,
         "locksmithctl: unknown subcommand: \"frob\"\nRun 'locksmithctl help' for usage.\n");
  expect(raw({"locksmithctl", "a\tb\"c"}), 2,
         "locksmithctl: unknown subcommand: \"a\\tb\\\"c\"\nRun 'locksmithctl help' for usage.\n");
  expect(raw({"locksmithctl", "-nope", "status"}), 2, "",
         "flag provided but not defined: -nope\nRun 'locksmithctl help' for usage.\n");
  expect(raw({"locksmithctl", "lock", "-x"}), 2, "",
         "flag provided but not defined: -x\nRun 'locksmithctl help lock' for usage.\n");
  expect(raw({"locksmithctl", "status", "-endpoint", "x"}), 2, "",
         "flag provided but not defined: -endpoint\nRun 'locksmithctl help status' for usage.\n");
}

TEST_F(Ctl, VersionUsesProgramBasename) {
  std::string version(locksmith_version());
  expect(raw({"/usr/bin/locksmithctl", "-version", "status"}), 0,
         "locksmithctl version " + version + "\n");
  expect(raw({"./ctl", "--version"}), 0, "ctl version " + version + "\n");
  env_["LOCKSMITHCTL_VERSION"] = "true";
  EXPECT_NE(raw({"locksmithctl", "help"}).out.find("COMMANDS:"), std::string::npos);
}

TEST_F(Ctl, GlobalHelpIsTabAligned) {
  Outcome r = raw({"locksmithctl"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.err, "");
  const std::string& out = r.out;
  EXPECT_EQ(
      out.rfind("NAME:\n\tlocksmithctl - Manage the cluster wide reboot lock.\n\nUSAGE:\n", 0), 0u);
  for (const char* line : {
           "\thelp\t\t\tShow a list of commands or help for one command\n",
           "\tsend-need-reboot\tsend a 'need reboot' signal over dbus.\n",
           "\tset-max\t\t\tSet the maximum number of lock holders\n",
           "\t--debug=false\t\t\t\t\t\tPrint out debug information to stderr.\n",
           "\t--endpoint=http://127.0.0.1:2379,http://127.0.0.1:4001\tetcd endpoint for locksmith.",
           "\t--group=\t\t\t\t\t\tlocksmith group\n",
           "Run \"locksmithctl help <command>\" for more details on a specific command.\n",
       }) {
    EXPECT_NE(out.find(line), std::string::npos) << line << "\nin:\n" << out;
  }
  EXPECT_EQ(raw({"locksmithctl", "help"}).out, out);
  EXPECT_EQ(raw({"locksmithctl", "-h"}).out, out);
}

TEST_F(Ctl, CommandHelp) {
  Outcome r = raw({"locksmithctl", "help", "lock"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("NAME:\n\tlock - Lock this machine or a given machine-id for reboot.\n\n"
                        "USAGE:\n\tlocksmithctl lock [machine-id]\n\nDESCRIPTION:\n\t",
                        0),
            0u)
      << r.out;
  EXPECT_NE(r.out.find("\n\nFor help on global options run \"locksmithctl help\"\n"),
            std::string::npos);
  EXPECT_EQ(raw({"locksmithctl", "lock", "-h"}).out, r.out);
  EXPECT_NE(raw({"locksmithctl", "help", "status"}).out.find("\tlocksmithctl status\n"),
            std::string::npos);
  expect(raw({"locksmithctl", "help", "nope"}), 1, "Unrecognized command: nope\n");
}

TEST(TabAlign, MatchesGoTabwriter) {
  EXPECT_EQ(tab_align("a\tb\nccc\td\n"), "a\tb\nccc\td\n");
  EXPECT_EQ(tab_align("abcdefgh\tx\na\ty\n"), "abcdefgh\tx\na\t\ty\n");
  EXPECT_EQ(tab_align("a\tb\n\nabcdefghij\tc\n"),
            "a\tb\n\nabcdefghij\tc\n");  // blank line ends the block
  EXPECT_EQ(tab_align("\tx\tlong text\n\tyyyyyyyyy\tz\nplain\n"),
            "\tx\t\tlong text\n\tyyyyyyyyy\tz\nplain\n");
  EXPECT_EQ(tab_align("no tabs"), "no tabs");
}

}  // namespace
}  // namespace corestack::locksmith
