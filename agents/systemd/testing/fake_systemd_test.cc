// fake_systemd (testing/fake_systemd.cc) on a private bus, driven by a client Bus the way
// fleet's agent drives systemd: link, daemon-reload, start, poll the state, stop, unload.
// Plus its pure parts: unit file parsing, command expansion, object paths.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agents/systemd/bus.h"
#include "agents/systemd/testing/bus_fixture.h"
#include "agents/systemd/testing/child_process.h"
#include "agents/systemd/testing/fake_systemd_install.h"
#include "agents/systemd/testing/fake_systemd_names.h"
#include "agents/systemd/testing/fake_systemd_unit_file.h"

namespace corestack::systemd {
namespace {

using namespace testing::fake_systemd;  // NOLINT: the names under test
using testing::ChildProcess;
using testing::kTestTimeout;
using testing::TempDir;
using SteadyClock = std::chrono::steady_clock;

// One row of ListUnits/ListUnitsByNames: a(ssssssouso).
struct Row {
  std::string name, description, load, active, sub, following, path;
  uint32_t job_id = 0;
  std::string job_type, job_path;
};

std::vector<Row> read_rows(Message& m) {
  std::vector<Row> rows;
  m.enter('a', "(ssssssouso)");
  while (m.enter('r', "ssssssouso")) {
    Row r;
    m.read(r.name, r.description, r.load, r.active, r.sub, r.following, r.path, r.job_id,
           r.job_type, r.job_path);
    m.exit();
    rows.push_back(r);
  }
  m.exit();
  return rows;
}

std::vector<Change> read_changes(Message& m) {
  std::vector<Change> changes;
  m.enter('a', "(sss)");
  while (m.enter('r', "sss")) {
    Change c;
    m.read(c.type, c.file, c.destination);
    m.exit();
    changes.push_back(c);
  }
  m.exit();
  return changes;
}

// The D-Bus error name `f` throws, or "no error".
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const BusError& e) {
    return e.name;
  }
  return "no error";
}

bool process_exists(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

// The file's content once it ends in a newline (a child writes it), or "" at the deadline.
std::string wait_for_file(const std::string& path) {
  const auto deadline = SteadyClock::now() + kTestTimeout;
  for (;;) {
    std::ifstream in(path);
    std::stringstream content;
    content << in.rdbuf();
    const std::string s = content.str();
    if (!s.empty() && s.back() == '\n') return s;
    if (SteadyClock::now() >= deadline) return "";
    ::poll(nullptr, 0, 10);  // a child process writes it: nothing to wait on but the file
  }
}

pid_t read_pid(const std::string& path) {
  return static_cast<pid_t>(std::stol(wait_for_file(path)));
}

class FakeSystemdTest : public testing::PrivateBusTest {
 protected:
  void start(std::vector<std::string> extra_args = {}) {
    std::vector<std::string> argv = {
        CORESTACK_FAKE_SYSTEMD, "--bus",    address(), "--log-dir", dir_.path(),
        "--state-file",         state_file_};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    fake_ = std::make_unique<ChildProcess>(argv);
    if (!fake_->wait_for_line("ready", kTestTimeout))
      throw std::runtime_error("fake_systemd did not print ready");
    bus_.emplace(connect());
  }

  // Every test ends as a test harness would end it: end of stdin, a clean exit.
  void TearDown() override {
    if (!fake_ || fake_->pid() <= 0) return;  // none, or the test saw it exit
    fake_->close_stdin();
    const auto status = fake_->wait_exit(kTestTimeout);
    ASSERT_TRUE(status.has_value()) << "fake_systemd did not exit";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
  }

  template <class... A>
  Message call(const std::string& member, const A&... args) {
    return bus_->call_method(kServiceName, kManagerPath, kManagerInterface, member, args...);
  }

  std::string write_unit(const std::string& name, const std::string& text) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  // Writes, links and reloads a unit, as fleet's agent loads one.
  std::string load_unit(const std::string& name, const std::string& text) {
    const std::string path = write_unit(name, text);
    call("LinkUnitFiles", std::vector<std::string>{path}, true, true);
    call("Reload");
    return path;
  }

  Row row(const std::string& name) {
    Message m = call("ListUnitsByNames", std::vector<std::string>{name});
    auto rows = read_rows(m);
    EXPECT_EQ(rows.size(), 1u);
    return rows.empty() ? Row{} : rows[0];
  }

  std::string state_of(const std::string& name) {
    const Row r = row(name);
    return r.load + " " + r.active + " " + r.sub;
  }

  // The pid from the fake's "start <unit> pid <pid>" line.
  pid_t started_pid(const std::string& unit) {
    const std::string prefix = "start " + unit + " pid ";
    for (;;) {
      auto line = fake_->read_line(kTestTimeout);
      if (!line) return -1;
      if (line->rfind(prefix, 0) == 0)
        return static_cast<pid_t>(std::stol(line->substr(prefix.size())));
    }
  }

  bool saw(const std::string& line) { return fake_->wait_for_line(line, kTestTimeout); }

  Message unit_property(const std::string& unit, const std::string& interface,
                        const std::string& property) {
    return bus_->call_method(kServiceName, unit_object_path(unit), kPropertiesInterface, "Get",
                             interface, property);
  }

  std::string string_property(const std::string& unit, const std::string& property) {
    Message m = unit_property(unit, kUnitInterface, property);
    m.enter('v', "s");
    std::string value;
    m.read(value);
    m.exit();
    return value;
  }

  TempDir dir_;
  std::string state_file_ = dir_.path() + "/state.json";
  std::unique_ptr<ChildProcess> fake_;
  std::optional<Bus> bus_;
};

const char* const kSleeper =
    "[Unit]\nDescription=Sleeps\n\n[Service]\n"
    "ExecStart=/bin/sh -c 'echo $$$$ > %s; exec sleep 1000'\n\n"
    "[Install]\nWantedBy=multi-user.target\n";

std::string sleeper(const std::string& pid_file) {
  std::string text = kSleeper;
  text.replace(text.find("%s"), 2, pid_file);
  return text;
}

TEST_F(FakeSystemdTest, LinkReloadStartStop) {
  start();
  const std::string pid_file = dir_.path() + "/pid";
  const std::string path = write_unit("hello.service", sleeper(pid_file));

  Message linked = call("LinkUnitFiles", std::vector<std::string>{path}, true, true);
  EXPECT_EQ(read_changes(linked),
            (std::vector<Change>{{"symlink", "/run/systemd/system/hello.service", path}}));
  // daemon-reload not done yet: the unit does not exist for the manager.
  EXPECT_EQ(error_of([&] { call("StartUnit", "hello.service", "replace"); }), kNoSuchUnit);
  EXPECT_EQ(state_of("hello.service"), "not-found inactive dead");

  call("Reload");
  EXPECT_EQ(state_of("hello.service"), "loaded inactive dead");
  std::string job;
  call("StartUnit", "hello.service", "replace").read(job);
  EXPECT_EQ(job.rfind("/org/freedesktop/systemd1/job/", 0), 0u) << job;

  const pid_t pid = started_pid("hello.service");
  ASSERT_GT(pid, 0);
  EXPECT_EQ(read_pid(pid_file), pid);  // the unit's shell really ran, and exec'd sleep
  EXPECT_TRUE(process_exists(pid));
  const Row r = row("hello.service");
  EXPECT_EQ(r.active + " " + r.sub, "active running");
  EXPECT_EQ(r.description, "Sleeps");
  EXPECT_EQ(r.path, "/org/freedesktop/systemd1/unit/hello_2eservice");
  EXPECT_EQ(r.job_id, 0u);
  EXPECT_EQ(r.job_path, "/");
  std::string unit_path;
  call("GetUnit", "hello.service").read(unit_path);
  EXPECT_EQ(unit_path, r.path);

  call("StopUnit", "hello.service", "replace");
  ASSERT_TRUE(saw("exit hello.service SIGTERM"));
  EXPECT_EQ(state_of("hello.service"), "loaded inactive dead");
  EXPECT_FALSE(process_exists(pid));
}

TEST_F(FakeSystemdTest, FailingCommandEndsFailedUntilResetFailed) {
  start();
  load_unit("bad.service", "[Service]\nExecStart=/bin/false\n");
  call("StartUnit", "bad.service", "replace");
  ASSERT_TRUE(saw("exit bad.service 1"));
  EXPECT_EQ(state_of("bad.service"), "loaded failed failed");
  Message result = unit_property("bad.service", kServiceInterface, "Result");
  result.enter('v', "s");
  EXPECT_EQ(result.read<std::string>(), std::tuple<std::string>("exit-code"));

  call("ResetFailedUnit", "bad.service");
  EXPECT_EQ(state_of("bad.service"), "loaded inactive dead");
}

TEST_F(FakeSystemdTest, MissingProgramFailsWithExitCode203) {
  start();
  load_unit("gone.service", "[Service]\nExecStart=/nonexistent/program\n");
  call("StartUnit", "gone.service", "replace");
  ASSERT_TRUE(saw("exit gone.service 203"));
  EXPECT_EQ(state_of("gone.service"), "loaded failed failed");
}

TEST_F(FakeSystemdTest, OneshotWithRemainAfterExitStaysActiveExited) {
  start();
  load_unit("setup.service",
            "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n"
            "ExecStart=/bin/true\n");
  call("StartUnit", "setup.service", "replace");
  ASSERT_TRUE(saw("exit setup.service 0"));
  ASSERT_TRUE(saw("exit setup.service 0"));  // both commands, in order
  EXPECT_EQ(state_of("setup.service"), "loaded active exited");
  call("StopUnit", "setup.service", "replace");
  EXPECT_EQ(state_of("setup.service"), "loaded inactive dead");
}

TEST_F(FakeSystemdTest, OneshotWithoutRemainAfterExitEndsDead) {
  start();
  load_unit("once.service", "[Service]\nType=oneshot\nExecStart=/bin/true\n");
  call("StartUnit", "once.service", "replace");
  ASSERT_TRUE(saw("exit once.service 0"));
  EXPECT_EQ(state_of("once.service"), "loaded inactive dead");
}

TEST_F(FakeSystemdTest, EnableNeedsAKnownFileAndInstallRules) {
  start();
  EXPECT_EQ(error_of([&] {
              call("EnableUnitFiles", std::vector<std::string>{dir_.path() + "/none.service"}, true,
                   true);
            }),
            kNoSuchUnit);
  EXPECT_EQ(error_of([&] {
              call("EnableUnitFiles", std::vector<std::string>{"unlinked.service"}, true, true);
            }),
            kNoSuchUnit);

  const std::string path = load_unit("hello.service", sleeper(dir_.path() + "/pid"));
  Message enabled = call("EnableUnitFiles", std::vector<std::string>{path}, true, true);
  bool carries = false;
  enabled.read(carries);
  EXPECT_TRUE(carries);
  EXPECT_EQ(read_changes(enabled),
            (std::vector<Change>{
                {"symlink", "/run/systemd/system/multi-user.target.wants/hello.service", path}}));

  const std::string plain = load_unit("plain.service", "[Service]\nExecStart=/bin/true\n");
  Message not_enabled =
      call("EnableUnitFiles", std::vector<std::string>{"plain.service"}, true, true);
  not_enabled.read(carries);
  EXPECT_FALSE(carries);
  EXPECT_TRUE(read_changes(not_enabled).empty());
}

TEST_F(FakeSystemdTest, DisableRemovesEnablementAndLink) {
  start();
  const std::string path = load_unit("hello.service", sleeper(dir_.path() + "/pid"));
  call("EnableUnitFiles", std::vector<std::string>{path}, true, true);
  Message disabled = call("DisableUnitFiles", std::vector<std::string>{"hello.service"}, true);
  EXPECT_EQ(read_changes(disabled),
            (std::vector<Change>{
                {"unlink", "/run/systemd/system/multi-user.target.wants/hello.service", ""},
                {"unlink", "/run/systemd/system/hello.service", ""}}));
  EXPECT_EQ(state_of("hello.service"), "loaded inactive dead");  // until daemon-reload
  call("Reload");
  EXPECT_EQ(state_of("hello.service"), "not-found inactive dead");
  EXPECT_EQ(
      error_of([&] { call("DisableUnitFiles", std::vector<std::string>{"hello.service"}, true); }),
      kNoSuchUnit);
}

TEST_F(FakeSystemdTest, AnUnlinkedRunningUnitStaysUntilStopped) {
  start();
  load_unit("hello.service", sleeper(dir_.path() + "/pid"));
  call("StartUnit", "hello.service", "replace");
  const pid_t pid = started_pid("hello.service");
  call("DisableUnitFiles", std::vector<std::string>{"hello.service"}, true);
  call("Reload");
  EXPECT_EQ(state_of("hello.service"), "not-found active running");
  EXPECT_EQ(error_of([&] { call("StartUnit", "hello.service", "replace"); }), kNoSuchUnit);
  call("StopUnit", "hello.service", "replace");
  ASSERT_TRUE(saw("exit hello.service SIGTERM"));
  EXPECT_FALSE(process_exists(pid));
  call("Reload");
  Message listed = call("ListUnits");
  EXPECT_TRUE(read_rows(listed).empty());
}

TEST_F(FakeSystemdTest, UnknownUnitsAreNoSuchUnit) {
  start();
  for (const char* member : {"StartUnit", "StopUnit"}) {
    EXPECT_EQ(error_of([&] { call(member, "nope.service", "replace"); }), kNoSuchUnit) << member;
  }
  EXPECT_EQ(error_of([&] { call("GetUnit", "nope.service"); }), kNoSuchUnit);
  EXPECT_EQ(error_of([&] { call("ResetFailedUnit", "nope.service"); }), kNoSuchUnit);
  const Row r = row("nope.service");
  EXPECT_EQ(r.load + " " + r.active + " " + r.sub, "not-found inactive dead");
  EXPECT_EQ(r.description, "nope.service");
}

TEST_F(FakeSystemdTest, BadArgumentsAreInvalidArgs) {
  start();
  load_unit("plain.service", "[Service]\nExecStart=/bin/true\n");
  EXPECT_EQ(error_of([&] { call("StartUnit", "plain.service"); }), kInvalidArgs);
  EXPECT_EQ(error_of([&] { call("StartUnit", "plain.service", "whenever"); }), kInvalidArgs);
  EXPECT_EQ(error_of([&] { call("StopUnit", "plain.service", "isolate"); }), kInvalidArgs);
  EXPECT_EQ(error_of([&] {
              call("LinkUnitFiles", std::vector<std::string>{"plain.service"}, true, true);
            }),
            kInvalidArgs);  // not an absolute path
  EXPECT_EQ(error_of([&] { call("Reexecute"); }), kUnknownMethod);
}

TEST_F(FakeSystemdTest, RelinkingAnotherFileNeedsForce) {
  start();
  const std::string first = write_unit("a.service", "[Service]\nExecStart=/bin/true\n");
  const std::string other_dir = dir_.path() + "/other";
  ASSERT_EQ(::mkdir(other_dir.c_str(), 0755), 0);
  const std::string second = other_dir + "/a.service";
  std::ofstream(second) << "[Service]\nExecStart=/bin/false\n";
  call("LinkUnitFiles", std::vector<std::string>{first}, false, false);
  EXPECT_EQ(
      error_of([&] { call("LinkUnitFiles", std::vector<std::string>{second}, false, false); }),
      kUnitExists);
  Message relinked = call("LinkUnitFiles", std::vector<std::string>{second}, false, true);
  EXPECT_EQ(read_changes(relinked),
            (std::vector<Change>{{"unlink", "/etc/systemd/system/a.service", ""},
                                 {"symlink", "/etc/systemd/system/a.service", second}}));
}

TEST_F(FakeSystemdTest, ChangedFilesTakeEffectAtReload) {
  start();
  const std::string path = load_unit("d.service",
                                     "[Unit]\nDescription=old\n[Service]\n"
                                     "ExecStart=/bin/true\n");
  std::ofstream(path) << "[Unit]\nDescription=new\n[Service]\nExecStart=/bin/true\n";
  EXPECT_EQ(row("d.service").description, "old");
  call("Reload");
  EXPECT_EQ(row("d.service").description, "new");
}

TEST_F(FakeSystemdTest, BadSettingRefusesToStart) {
  start();
  load_unit("empty.service", "[Unit]\nDescription=no command\n");
  EXPECT_EQ(state_of("empty.service"), "bad-setting inactive dead");
  EXPECT_EQ(error_of([&] { call("StartUnit", "empty.service", "replace"); }), kBadUnitSetting);
}

TEST_F(FakeSystemdTest, WithoutListUnitsByNamesTheFallbackWorks) {
  start({"--no-list-units-by-names"});
  load_unit("hello.service", sleeper(dir_.path() + "/pid"));
  EXPECT_EQ(error_of([&] { call("ListUnitsByNames", std::vector<std::string>{"x.service"}); }),
            kUnknownMethod);

  Message listed = call("ListUnits");
  const auto rows = read_rows(listed);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].name, "hello.service");
  EXPECT_EQ(rows[0].load + " " + rows[0].active + " " + rows[0].sub, "loaded inactive dead");

  call("StartUnit", "hello.service", "replace");
  const pid_t pid = started_pid("hello.service");
  EXPECT_EQ(string_property("hello.service", "ActiveState"), "active");
  EXPECT_EQ(string_property("hello.service", "SubState"), "running");
  Message main_pid = unit_property("hello.service", kServiceInterface, "MainPID");
  main_pid.enter('v', "u");
  EXPECT_EQ(std::get<0>(main_pid.read<uint32_t>()), static_cast<uint32_t>(pid));
  // A unit never loaded still has properties, as systemd loads it to answer.
  EXPECT_EQ(string_property("missing.service", "LoadState"), "not-found");

  // GetAll, as go-systemd's GetUnitProperties asks.
  Message all = bus_->call_method(kServiceName, unit_object_path("hello.service"),
                                  kPropertiesInterface, "GetAll", kUnitInterface);
  std::map<std::string, std::string> strings;
  all.enter('a', "{sv}");
  while (all.enter('e', "sv")) {
    std::string name, contents;
    all.read(name);
    if (all.peek_type(&contents) == 'v' && contents == "s") {
      all.enter('v', "s");
      all.read(strings[name]);
      all.exit();
    } else {
      all.skip();
    }
    all.exit();
  }
  all.exit();
  EXPECT_EQ(strings["Id"], "hello.service");
  EXPECT_EQ(strings["LoadState"], "loaded");
  EXPECT_EQ(strings["ActiveState"], "active");
  EXPECT_EQ(strings["SubState"], "running");
  EXPECT_EQ(strings["Description"], "Sleeps");
  EXPECT_EQ(error_of([&] { unit_property("hello.service", kUnitInterface, "Nope"); }),
            kUnknownProperty);
}

TEST_F(FakeSystemdTest, StopEscalatesToSigkillAfterTimeoutStopSec) {
  start();
  const std::string ready_file = dir_.path() + "/ready";
  load_unit("stubborn.service",
            "[Service]\nTimeoutStopSec=200ms\nExecStart=/bin/sh -c \"trap '' "
            "TERM; echo $$$$ > " +
                ready_file + "; exec sleep 1000\"\n");
  call("StartUnit", "stubborn.service", "replace");
  const pid_t pid = started_pid("stubborn.service");
  ASSERT_EQ(read_pid(ready_file), pid);  // SIGTERM is ignored from here on
  call("StopUnit", "stubborn.service", "replace");
  ASSERT_TRUE(saw("sigkill stubborn.service"));
  ASSERT_TRUE(saw("exit stubborn.service SIGKILL"));
  EXPECT_EQ(state_of("stubborn.service"), "loaded failed failed");  // Result=timeout
  EXPECT_FALSE(process_exists(pid));
}

TEST_F(FakeSystemdTest, KillCommandSimulatesACrash) {
  start();
  load_unit("hello.service", sleeper(dir_.path() + "/pid"));
  call("StartUnit", "hello.service", "replace");
  const pid_t pid = started_pid("hello.service");
  fake_->write_line("kill hello.service");
  ASSERT_TRUE(saw("kill hello.service pid " + std::to_string(pid)));
  ASSERT_TRUE(saw("exit hello.service SIGKILL"));
  fake_->write_line("state hello.service");
  ASSERT_TRUE(saw("state hello.service loaded failed failed"));
  fake_->write_line("kill hello.service");
  EXPECT_TRUE(saw("kill hello.service none"));
}

TEST_F(FakeSystemdTest, EnvironmentWorkingDirectoryAndLog) {
  start();
  const std::string env_file = dir_.path() + "/env";
  std::ofstream(env_file) << "# comment\nB=\"from file\"\nA=overridden\n";
  load_unit("env.service",
            "[Service]\nType=oneshot\nEnvironment=\"A=two words\" C=%n\n"
            "EnvironmentFile=" +
                env_file +
                "\nEnvironmentFile=-/nonexistent\n"
                "WorkingDirectory=" +
                dir_.path() +
                "\n"
                "ExecStart=/bin/sh -c 'echo \"$A|$B|$C|$(pwd)|$PATH\"'\n"
                "ExecStart=/bin/echo ${C} $C\n");
  call("StartUnit", "env.service", "replace");
  ASSERT_TRUE(saw("exit env.service 0"));
  ASSERT_TRUE(saw("exit env.service 0"));
  const std::string log = wait_for_file(dir_.path() + "/env.service.log");
  EXPECT_EQ(log, "overridden|from file|env.service|" + dir_.path() +
                     "|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
                     "env.service env.service\n");
}

TEST_F(FakeSystemdTest, MissingEnvironmentFileFailsTheStart) {
  start();
  load_unit("noenv.service", "[Service]\nEnvironmentFile=/nonexistent\nExecStart=/bin/true\n");
  call("StartUnit", "noenv.service", "replace");
  EXPECT_EQ(state_of("noenv.service"), "loaded failed failed");
}

TEST_F(FakeSystemdTest, StateFileFollowsEveryChange) {
  start();
  const std::string path = load_unit("hello.service", sleeper(dir_.path() + "/pid"));
  call("EnableUnitFiles", std::vector<std::string>{path}, true, true);
  call("StartUnit", "hello.service", "replace");
  const pid_t pid = started_pid("hello.service");
  // Written before the reply: no waiting needed.
  const auto state = nlohmann::json::parse(std::ifstream(state_file_));
  EXPECT_EQ(state["reloads"], 1);
  EXPECT_EQ(state["jobs"], 1);
  EXPECT_EQ(state["links"]["hello.service"]["path"], path);
  EXPECT_EQ(state["links"]["hello.service"]["runtime"], true);
  EXPECT_TRUE(state["enabled"].contains("hello.service"));
  const auto& unit = state["units"]["hello.service"];
  EXPECT_EQ(unit["load_state"], "loaded");
  EXPECT_EQ(unit["active_state"], "active");
  EXPECT_EQ(unit["sub_state"], "running");
  EXPECT_EQ(unit["pid"], pid);
  EXPECT_EQ(unit["starts"], 1);
  EXPECT_EQ(unit["enabled"], true);
}

TEST_F(FakeSystemdTest, QuitKillsEveryProcessOfEveryUnit) {
  start();
  const std::string bg_file = dir_.path() + "/bg";
  load_unit("forks.service", "[Service]\nExecStart=/bin/sh -c 'sleep 1000 & echo $! > " + bg_file +
                                 "; exec sleep 1000'\n");
  call("StartUnit", "forks.service", "replace");
  const pid_t main_pid = started_pid("forks.service");
  const pid_t background = read_pid(bg_file);
  ASSERT_TRUE(process_exists(background));

  fake_->write_line("quit");
  const auto status = fake_->wait_exit(kTestTimeout);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
  EXPECT_FALSE(process_exists(main_pid));
  EXPECT_FALSE(process_exists(background));
}

TEST_F(FakeSystemdTest, SigtermAndEndOfInputAlsoStopEverything) {
  for (const bool by_signal : {true, false}) {
    start();
    load_unit("hello.service", sleeper(dir_.path() + "/pid"));
    call("StartUnit", "hello.service", "replace");
    const pid_t pid = started_pid("hello.service");
    if (by_signal) {
      ::kill(fake_->pid(), SIGTERM);
    } else {
      fake_->close_stdin();
    }
    const auto status = fake_->wait_exit(kTestTimeout);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
    EXPECT_FALSE(process_exists(pid));
  }
}

// --- the pure parts -------------------------------------------------------------------

TEST(FakeSystemdUnitFile, ParsesServiceSettings) {
  const HostIds host{"host1", "0123456789abcdef0123456789abcdef", "feedface"};
  const UnitFile u = parse_unit_file("web@8080.service",
                                     "# comment\n[Unit]\nDescription=Web on %i at %H\n"
                                     "[Service]\nType=oneshot\nRemainAfterExit=true\n"
                                     "ExecStartPre=-/bin/mkdir -p /run/%p\n"
                                     "ExecStart=/bin/echo \\\n  one 'two three'\n"
                                     "Environment=A=1 \"B=x y\"\nTimeoutStopSec=2min 5s\n"
                                     "[Install]\nWantedBy=multi-user.target other.target\n",
                                     host);
  EXPECT_EQ(u.bad_setting, "");
  EXPECT_EQ(u.description, "Web on 8080 at host1");
  EXPECT_EQ(u.type, ServiceType::oneshot);
  EXPECT_TRUE(u.remain_after_exit);
  ASSERT_EQ(u.exec_start_pre.size(), 1u);
  EXPECT_TRUE(u.exec_start_pre[0].ignore_failure);
  EXPECT_EQ(u.exec_start_pre[0].words, (std::vector<std::string>{"/bin/mkdir", "-p", "/run/web"}));
  ASSERT_EQ(u.exec_start.size(), 1u);
  EXPECT_EQ(u.exec_start[0].words, (std::vector<std::string>{"/bin/echo", "one", "two three"}));
  EXPECT_EQ(u.environment, (std::vector<std::string>{"A=1", "B=x y"}));
  EXPECT_EQ(u.timeout_stop, std::chrono::seconds(125));
  EXPECT_EQ(u.wanted_by, (std::vector<std::string>{"multi-user.target", "other.target"}));
  EXPECT_TRUE(u.has_install_rules());
}

TEST(FakeSystemdUnitFile, RefusesWhatSystemdRefuses) {
  const HostIds host;
  EXPECT_NE(parse_unit_file("a.service", "[Service]\n", host).bad_setting, "");
  EXPECT_NE(parse_unit_file("a.service", "[Service]\nExecStart=/bin/a\nExecStart=/bin/b\n", host)
                .bad_setting,
            "");
  EXPECT_NE(
      parse_unit_file("a.service", "[Service]\nType=forking\nExecStart=/bin/a\n", host).bad_setting,
      "");
  EXPECT_NE(parse_unit_file("a.socket", "[Socket]\nListenStream=80\n", host).bad_setting, "");
  // An empty ExecStart= resets the list; an unknown specifier drops the line.
  EXPECT_EQ(parse_unit_file("a.service",
                            "[Service]\nExecStart=/bin/a\nExecStart=\n"
                            "ExecStart=/bin/b\nExecStart=/bin/%z\n",
                            host)
                .bad_setting,
            "");
}

TEST(FakeSystemdUnitFile, SplitsWordsLikeSystemd) {
  EXPECT_EQ(split_words("a 'b c' \"d \\\"e\\\"\" f\\tg x'y z'"),
            (std::vector<std::string>{"a", "b c", "d \"e\"", "f\tg", "xy z"}));
  EXPECT_EQ(split_words("  "), std::vector<std::string>{});
  EXPECT_EQ(split_words("'open"), std::nullopt);
}

TEST(FakeSystemdUnitFile, ExpandsVariablesWhenRun) {
  ExecCommand command;
  command.words = {"/bin/x", "$ARGS", "${ONE}-$$-${UNSET}", "$UNSET", "$$HOME"};
  EXPECT_EQ(expand_command(command, {"ARGS=a b", "ONE=1", "ONE=2"}),
            (std::vector<std::string>{"/bin/x", "a", "b", "2-$-", "$HOME"}));
}

TEST(FakeSystemdUnitFile, ParsesTimespansAndBooleans) {
  EXPECT_EQ(parse_timespan("5"), std::chrono::seconds(5));
  EXPECT_EQ(parse_timespan("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(parse_timespan("1min 30s"), std::chrono::seconds(90));
  EXPECT_EQ(parse_timespan("2h"), std::chrono::hours(2));
  EXPECT_EQ(parse_timespan("soon"), std::nullopt);
  EXPECT_EQ(parse_boolean("On"), true);
  EXPECT_EQ(parse_boolean("no"), false);
  EXPECT_EQ(parse_boolean("maybe"), std::nullopt);
}

TEST(FakeSystemdNames, EscapesUnitPathsLikeSystemd) {
  EXPECT_EQ(unit_object_path("hello.service"), "/org/freedesktop/systemd1/unit/hello_2eservice");
  EXPECT_EQ(unit_object_path("1a-b@c.service"),
            "/org/freedesktop/systemd1/unit/_31a_2db_40c_2eservice");
  EXPECT_EQ(unit_name_from_object_path("/org/freedesktop/systemd1/unit/_31a_2db_40c_2eservice"),
            "1a-b@c.service");
  EXPECT_EQ(unit_name_from_object_path("/org/freedesktop/systemd1/unit/bad_zz"), std::nullopt);
  EXPECT_TRUE(is_valid_unit_name("web@8080.service"));
  EXPECT_FALSE(is_valid_unit_name("web.unknown"));
  EXPECT_FALSE(is_valid_unit_name("a b.service"));
}

}  // namespace
}  // namespace corestack::systemd
