#include "agents/locksmith/daemon.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <deque>
#include <stdexcept>

namespace corestack::locksmith {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

UpdateStatus status_of(std::string operation) {
  UpdateStatus s;
  s.current_operation = std::move(operation);
  return s;
}

// 2026-11-19 is a Thursday; the tests run in UTC.
TimePoint at(int day, int hour, int minute) {
  std::tm tm{};
  tm.tm_year = 2026 - 1900;
  tm.tm_mon = 10;
  tm.tm_mday = 19 + day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// A machine on a virtual clock: sleeps and waits advance it; statuses arrive on a script.
class FakeHost : public Host {
 public:
  explicit FakeHost(TimePoint start) : now_(start) {}

  void script(Nanoseconds after_start, std::string operation) {
    script_.push_back({now_ + after_start, status_of(std::move(operation))});
  }

  UpdateStatus get_status() override { return current_; }
  std::optional<UpdateStatus> next_status(Nanoseconds timeout) override {
    if (!script_.empty() && script_.front().first <= now_ + timeout) {
      now_ = std::max(now_, script_.front().first);
      current_ = script_.front().second;
      script_.pop_front();
      return current_;
    }
    if (script_.empty() && timeout >= hours(1)) throw std::logic_error("waiting forever");
    now_ += timeout;
    return std::nullopt;
  }
  void reboot() override {
    if (reboot_fails) throw std::runtime_error("logind says no");
    reboots.push_back(now_);
  }
  int broadcast(TimePoint) override { return terminals; }
  TimePoint now() override { return now_; }
  void sleep_for(Nanoseconds d) override {
    sleeps.push_back(d);
    now_ += d;
  }

  UpdateStatus current_ = status_of("UPDATE_STATUS_IDLE");
  std::deque<std::pair<TimePoint, UpdateStatus>> script_;
  TimePoint now_;
  std::vector<TimePoint> reboots;
  std::vector<Nanoseconds> sleeps;
  int terminals = 0;
  bool reboot_fails = false;
};

// The semaphore seen from one machine; each attempt is logged with the virtual time.
class FakeSlot : public RebootSlot {
 public:
  explicit FakeSlot(FakeHost& host) : host_(host) {}

  SlotAttempt acquire() override {
    log.push_back("acquire");
    if (busy_until > host_.now()) return {SlotAttempt::failed, "semaphore is at 0"};
    if (held) return {SlotAttempt::unchanged, ""};
    held = true;
    held_since = host_.now();
    return {SlotAttempt::done, ""};
  }
  SlotAttempt release() override {
    log.push_back("release");
    if (release_failures > 0) {
      --release_failures;
      return {SlotAttempt::failed, "client: etcd cluster is unavailable or misconfigured"};
    }
    if (!held) return {SlotAttempt::unchanged, ""};
    held = false;
    return {SlotAttempt::done, ""};
  }

  FakeHost& host_;
  bool held = false;
  TimePoint held_since;
  TimePoint busy_until;
  int release_failures = 0;
  std::vector<std::string> log;
};

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }

  DaemonOptions options(StrategyKind kind, std::string name) {
    DaemonOptions o;
    o.strategy = {kind, std::move(name)};
    o.unlock_delay = seconds(5);
    o.retry_initial = seconds(5);
    o.retry_max = minutes(5);
    o.login_delay = minutes(5);
    return o;
  }
  void with_window(DaemonOptions& o, std::string start, std::string length) {
    auto w = parse_window(start, length);
    ASSERT_TRUE(w.ok()) << w.error();
    o.window = WindowConfig{start, length, *w};
  }
  int run(const DaemonOptions& o, FakeHost& host, RebootSlot* slot) {
    Daemon daemon(o, host, slot, [this](std::string_view s) { states.emplace_back(s); });
    return daemon.run();
  }

  std::vector<std::string> states;
};

TEST_F(DaemonTest, RebootStrategyRebootsWhenTheEngineSaysSo) {
  FakeHost host(at(0, 12, 0));
  host.script(minutes(3), "UPDATE_STATUS_DOWNLOADING");
  host.script(minutes(10), std::string(kNeedReboot));
  EXPECT_EQ(run(options(StrategyKind::reboot, "reboot"), host, nullptr), 0);
  ASSERT_EQ(host.reboots.size(), 1u);
  EXPECT_EQ(host.reboots[0], at(0, 12, 10));
  EXPECT_EQ(states, (std::vector<std::string>{"running", "reboot-planned", "rebooting"}));
}

TEST_F(DaemonTest, AlreadyNeedingARebootAtStartRebootsAtOnce) {
  FakeHost host(at(0, 12, 0));
  host.current_ = status_of(std::string(kNeedReboot));
  EXPECT_EQ(run(options(StrategyKind::reboot, "reboot"), host, nullptr), 0);
  EXPECT_EQ(host.reboots, std::vector<TimePoint>{at(0, 12, 0)});
}

TEST_F(DaemonTest, EtcdLockReleasesTheBootSlotThenLocksBeforeRebooting) {
  FakeHost host(at(0, 12, 0));
  FakeSlot slot(host);
  slot.held = true;  // from the reboot that brought us here
  host.script(minutes(1), std::string(kNeedReboot));
  EXPECT_EQ(run(options(StrategyKind::etcd_lock, "etcd-lock"), host, &slot), 0);
  EXPECT_EQ(slot.log, (std::vector<std::string>{"release", "acquire"}));
  ASSERT_EQ(host.reboots.size(), 1u);
  EXPECT_TRUE(slot.held);
}

TEST_F(DaemonTest, BootUnlockRetriesWithDoublingBackoff) {
  FakeHost host(at(0, 12, 0));
  FakeSlot slot(host);
  slot.held = true;
  slot.release_failures = 2;
  host.script(hours(2), std::string(kNeedReboot));
  EXPECT_EQ(run(options(StrategyKind::etcd_lock, "etcd-lock"), host, &slot), 0);
  // 5 s delay, then failures at 5 s and 15 s (retry in 10 s, then 20 s), success at 35 s.
  EXPECT_EQ(slot.log, (std::vector<std::string>{"release", "release", "release", "acquire"}));
  EXPECT_TRUE(slot.held);
}

TEST_F(DaemonTest, LockContentionBacksOffAndCapsAtTheMaximum) {
  FakeHost host(at(0, 12, 0));
  FakeSlot slot(host);
  slot.busy_until = at(0, 12, 30);
  host.current_ = status_of(std::string(kNeedReboot));
  auto o = options(StrategyKind::etcd_lock, "etcd-lock");
  o.retry_max = seconds(60);
  EXPECT_EQ(run(o, host, &slot), 0);
  ASSERT_GE(host.sleeps.size(), 4u);
  EXPECT_EQ(host.sleeps[0], seconds(10));
  EXPECT_EQ(host.sleeps[1], seconds(20));
  EXPECT_EQ(host.sleeps[2], seconds(40));
  EXPECT_EQ(host.sleeps[3], seconds(60));
  EXPECT_EQ(host.sleeps.back(), seconds(60));
  ASSERT_EQ(host.reboots.size(), 1u);
  EXPECT_GE(host.reboots[0], at(0, 12, 30));
}

TEST_F(DaemonTest, OutsideTheWindowTheSlotIsReleasedBeforeWaiting) {
  // flatcar#408: the reference kept its slot while it slept until the window.
  FakeHost host(at(0, 12, 0));
  FakeSlot slot(host);
  slot.held = true;
  host.current_ = status_of(std::string(kNeedReboot));
  auto o = options(StrategyKind::etcd_lock, "etcd-lock");
  with_window(o, "Thu 23:00", "1h30m");
  EXPECT_EQ(run(o, host, &slot), 0);
  ASSERT_GE(slot.log.size(), 2u);
  EXPECT_EQ(slot.log[0], "release");
  EXPECT_EQ(host.sleeps[0], hours(11));
  ASSERT_EQ(host.reboots.size(), 1u);
  EXPECT_EQ(host.reboots[0], at(0, 23, 0));
}

TEST_F(DaemonTest, AWindowThatClosesWhileWaitingForTheLockIsNeverOverrun) {
  FakeHost host(at(0, 23, 0));
  FakeSlot slot(host);
  slot.busy_until = at(1, 3, 0);  // others hold the semaphore past the window's end
  host.current_ = status_of(std::string(kNeedReboot));
  auto o = options(StrategyKind::etcd_lock, "etcd-lock");
  with_window(o, "23:00", "1h");
  EXPECT_EQ(run(o, host, &slot), 0);
  ASSERT_EQ(host.reboots.size(), 1u);
  EXPECT_EQ(host.reboots[0], at(1, 23, 0));  // the next night's window
  EXPECT_GE(slot.held_since, at(1, 23, 0));
}

TEST_F(DaemonTest, LoginsDelayTheRebootAndTheWindowIsCheckedAfterwards) {
  FakeHost host(at(0, 23, 50));
  FakeSlot slot(host);
  host.terminals = 2;
  host.current_ = status_of(std::string(kNeedReboot));
  auto o = options(StrategyKind::etcd_lock, "etcd-lock");
  o.login_delay = minutes(15);
  with_window(o, "23:00", "1h");
  EXPECT_EQ(run(o, host, &slot), 0);
  // 23:50 + 15 min is past the window: released, and rebooted the next night after the
  // warning there.
  ASSERT_EQ(host.reboots.size(), 1u);
  EXPECT_EQ(host.reboots[0], at(1, 23, 15));
  EXPECT_EQ(slot.log, (std::vector<std::string>{"acquire", "release", "release", "acquire"}));
}

TEST_F(DaemonTest, UnknownStrategyFailsAtRebootTime) {
  FakeHost host(at(0, 12, 0));
  host.script(minutes(1), std::string(kNeedReboot));
  EXPECT_EQ(run(options(StrategyKind::unknown, "best-effort"), host, nullptr), 1);
  EXPECT_TRUE(host.reboots.empty());
}

TEST_F(DaemonTest, AFailedRebootCallExitsWithFailure) {
  FakeHost host(at(0, 12, 0));
  host.reboot_fails = true;
  host.current_ = status_of(std::string(kNeedReboot));
  EXPECT_EQ(run(options(StrategyKind::reboot, "reboot"), host, nullptr), 1);
  EXPECT_EQ(states.back(), "reboot-planned");
}

TEST(DaemonFormat, StatusLineAsTheReferencePrintsIt) {
  UpdateStatus s;
  s.last_checked_time = 1700000000;
  s.progress = 0.5;
  s.current_operation = "UPDATE_STATUS_DOWNLOADING";
  s.new_version = "1.2.3";
  s.new_size = 42;
  EXPECT_EQ(
      format_status(s),
      "LastCheckedTime=1700000000 Progress=0.5 CurrentOperation=\"UPDATE_STATUS_DOWNLOADING\" "
      "NewVersion=1.2.3 NewSize=42");
}

TEST(DaemonBackoff, DoublesBeforeEachSleepUpToTheCap) {
  Backoff b(seconds(5), seconds(30));
  EXPECT_EQ(b.next(), seconds(10));
  EXPECT_EQ(b.next(), seconds(20));
  EXPECT_EQ(b.next(), seconds(30));
  EXPECT_EQ(b.next(), seconds(30));
}

}  // namespace
}  // namespace corestack::locksmith
