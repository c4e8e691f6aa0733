// Test scaffolding for the fleet agent's systemd side: a private dbus-daemon (skipped when
// dbus-daemon is missing), fake_systemd on it (agents/systemd/testing/fake_systemd.cc;
// CORESTACK_FAKE_SYSTEMD is its path) writing its state file and unit logs into a temp
// dir, a client Bus and a SystemdManager on that bus. Every wait is bounded by a deadline.
// Header-only; gtest is linked by the tests that include it.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agents/fleet/systemd_manager.h"
#include "agents/systemd/bus.h"
#include "agents/systemd/testing/bus_fixture.h"
#include "agents/systemd/testing/child_process.h"

namespace corestack::fleet::testing {

using systemd::testing::kTestTimeout;

inline bool process_exists(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

// Polls `done` every 10 ms until it holds or kTestTimeout passes; returns done(). For
// conditions only a file or /proc can tell (a unit's child writes a file, a process exits).
inline bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kTestTimeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    ::poll(nullptr, 0, 10);
  }
  return true;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// The pid a unit's shell wrote to `path` (once the line is complete), or -1 at the deadline.
inline pid_t wait_for_pid_file(const std::string& path) {
  std::string text;
  if (!eventually([&] {
        text = read_text(path);
        return !text.empty() && text.back() == '\n';
      })) {
    return -1;
  }
  return static_cast<pid_t>(std::stol(text));
}

// A unit whose command writes its pid to `pid_file` and sleeps ($$$$: fake_systemd turns it
// into the shell's $$).
inline std::string sleeper_unit(const std::string& description, const std::string& pid_file,
                                bool install = false) {
  std::string text = "[Unit]\nDescription=" + description +
                     "\n\n[Service]\nExecStart=/bin/sh -c 'echo $$$$ > " + pid_file +
                     "; exec sleep 1000'\n";
  if (install) text += "\n[Install]\nWantedBy=multi-user.target\n";
  return text;
}

class FakeSystemdTest : public systemd::testing::PrivateBusTest {
 protected:
  void start_fake(std::vector<std::string> extra_args = {}) {
    std::vector<std::string> argv = {
        CORESTACK_FAKE_SYSTEMD, "--bus",    address(), "--log-dir", dir_.path(),
        "--state-file",         state_file_};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    fake_ = std::make_unique<systemd::testing::ChildProcess>(argv);
    if (!fake_->wait_for_line("ready", kTestTimeout))
      throw std::runtime_error("fake_systemd did not print ready");
    bus_.emplace(connect());
    systemd_.emplace(*bus_);
  }

  // Ends the fake as a harness would (end of stdin) and checks it exits cleanly.
  void TearDown() override {
    systemd_.reset();
    bus_.reset();
    if (!fake_) return;
    fake_->close_stdin();
    const auto status = fake_->wait_exit(kTestTimeout);
    ASSERT_TRUE(status.has_value()) << "fake_systemd did not exit";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
  }

  // The fake's state file: rewritten before each D-Bus reply, so current once a call returns.
  nlohmann::json fake_state() const { return nlohmann::json::parse(read_text(state_file_)); }

  // The fake's stdout events up to and including the first line starting with `prefix`
  // (e.g. "start b.service pid "); everything read when it never comes.
  std::vector<std::string> events_until(const std::string& prefix) {
    std::vector<std::string> lines;
    while (auto line = fake_->read_line(kTestTimeout)) {
      lines.push_back(*line);
      if (line->rfind(prefix, 0) == 0) break;
    }
    return lines;
  }

  systemd::testing::TempDir dir_;
  std::string state_file_ = dir_.path() + "/state.json";
  std::unique_ptr<systemd::testing::ChildProcess> fake_;
  std::optional<systemd::Bus> bus_;
  std::optional<SystemdManager> systemd_;
};

}  // namespace corestack::fleet::testing
