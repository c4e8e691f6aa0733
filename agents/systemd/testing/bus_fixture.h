// Test scaffolding shared by the systemd tests: PrivateBusTest (a fixture that starts a
// private dbus-daemon per test, or skips when dbus-daemon is missing), ServerThread (a Bus
// serving on its own thread, so a blocking call from the test thread gets answered) and
// TempDir. Header-only; gtest is linked by the tests that include it.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agents/systemd/bus.h"
#include "agents/systemd/testing/private_bus.h"

namespace corestack::systemd::testing {

// Generous: a loaded 2-core machine must never flake.
inline constexpr std::chrono::seconds kTestTimeout{10};

class TempDir {
 public:
  TempDir() {
    char dir[] = "/tmp/corestack-systemd-test-XXXXXX";
    if (::mkdtemp(dir) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = dir;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class PrivateBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!PrivateBus::daemon_available()) {
      GTEST_SKIP() << "dbus-daemon is not on PATH (Debian package dbus-daemon); "
                      "the D-Bus tests need it to run a private bus";
    }
    daemon_ = std::make_unique<PrivateBus>();
  }
  Bus connect() const { return Bus::open_address(daemon_->address()); }
  const std::string& address() const { return daemon_->address(); }

  std::unique_ptr<PrivateBus> daemon_;
};

// Runs a Bus on its own thread. `setup` runs there first (serve objects, own names; keep the
// slots in the vector); `idle` (optional) runs there after every burst of processing. The
// constructor returns once setup has finished and rethrows what it threw.
class ServerThread {
 public:
  using Setup = std::function<void(Bus&, std::vector<Slot>&)>;
  ServerThread(const std::string& address, Setup setup, std::function<void(Bus&)> idle = {}) {
    std::promise<void> ready;
    auto started = ready.get_future();
    thread_ = std::thread([this, address, setup = std::move(setup), idle = std::move(idle),
                           ready = std::move(ready)]() mutable {
      std::optional<Bus> bus;
      std::vector<Slot> slots;  // go before the bus
      try {
        bus.emplace(Bus::open_address(address));
        setup(*bus, slots);
        ready.set_value();
      } catch (...) {
        ready.set_exception(std::current_exception());
        return;
      }
      try {
        while (!stop_) {
          while (bus->process()) {
          }
          if (idle) idle(*bus);
          bus->wait(std::chrono::milliseconds(20));  // bounds how long stopping takes
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << "server thread: " << e.what();
      }
    });
    try {
      started.get();
    } catch (...) {
      thread_.join();
      throw;
    }
  }
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;
  ~ServerThread() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace corestack::systemd::testing
