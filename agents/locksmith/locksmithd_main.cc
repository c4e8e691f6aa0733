// locksmithd: reads its configuration (flags, $LOCKSMITHD_*, $REBOOT_STRATEGY, the reboot
// window), claims coordinator.conf and runs the Daemon (daemon.h) on the system bus.
#include <unistd.h>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "agents/etcdclient/client.h"
#include "agents/locksmith/config.h"
#include "agents/locksmith/coordinator.h"
#include "agents/locksmith/daemon.h"
#include "agents/locksmith/host_bus.h"
#include "agents/locksmith/reboot_slot.h"
#include "agents/systemd/notify.h"

namespace {

using namespace corestack::locksmith;

[[noreturn]] void fatal(const std::string& message) {
  spdlog::critical("{}", message);
  std::exit(1);
}

// The durations are checked here, not while parsing, so a bad one stays a fatal start-up
// error (exit 1) as before rather than a usage error (exit 2).
Nanoseconds duration_flag(const std::string& value, const std::string& name) {
  auto parsed = parse_go_duration(value);
  if (!parsed) fatal("invalid value for -" + name + ": " + parsed.error());
  return *parsed;
}

extern "C" void exit_on_signal(int) {
  static const char kMessage[] = "Received interrupt/termination signal - locksmithd is exiting.\n";
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
  ::_exit(0);
}

void setup_logging(const EnvLookup& env) {
  auto logger = spdlog::stderr_logger_mt("locksmithd");
  spdlog::set_default_logger(logger);
  // journald stamps every line itself.
  spdlog::set_pattern(env("JOURNAL_STREAM") ? "%l: %v" : "%Y-%m-%d %H:%M:%S.%e %l: %v");
  spdlog::flush_on(spdlog::level::info);
}

void log_window(const std::optional<WindowConfig>& window) {
  if (!window) {
    spdlog::info("No configured reboot window");
    return;
  }
  spdlog::info("Reboot window start is \"{}\" and length is \"{}\"", window->start, window->length);
  const Period next = next_window(window->window, std::chrono::system_clock::now());
  spdlog::info("Next window begins at {} and ends at {}", format_go_time(next.begin),
               format_go_time(next.end));
}

std::unique_ptr<RebootSlot> make_slot(const GlobalFlags& flags, const EnvLookup& env) {
  const auto machine_id = read_machine_id(machine_id_path(env));
  if (!machine_id) fatal("Cannot read machine-id");
  auto client = etcd::client::Client::create(etcd_config(flags));
  if (!client) fatal("Error initializing etcd client: " + client.error().to_string());
  return std::make_unique<EtcdRebootSlot>(std::move(client.value()), flags.group, *machine_id);
}

int run(const std::vector<std::string>& args, const EnvLookup& env) {
  auto flags = parse_global_flags(args, Program::locksmithd, env);
  if (!flags) {
    std::cerr << flags.error() << "\n";
    return 2;
  }
  if (flags->version) {
    std::cout << "locksmithd version " << locksmith_version() << "\n";
    return 0;
  }
  const Strategy strategy = strategy_from_env(env);
  if (strategy.kind == StrategyKind::off) {
    spdlog::info("Reboot strategy is \"off\" - locksmithd is exiting.");
    return 0;
  }
  auto window = window_from_env(env);
  if (!window) fatal("Error parsing reboot window: " + window.error());
  log_window(*window);

  std::unique_ptr<Coordinator> coordinator;
  try {
    coordinator = std::make_unique<Coordinator>(flags->daemon.coordinator_file, strategy.name);
  } catch (const std::exception& e) {
    fatal(std::string("Cannot become the update coordinator: ") + e.what());
  }
  std::unique_ptr<RebootSlot> slot;
  if (strategy.kind == StrategyKind::etcd_lock) slot = make_slot(*flags, env);

  DaemonOptions options{strategy,
                        *window,
                        duration_flag(flags->daemon.unlock_delay, "unlock-delay"),
                        duration_flag(flags->daemon.retry_initial, "retry-initial"),
                        duration_flag(flags->daemon.retry_max, "retry-max"),
                        duration_flag(flags->daemon.login_delay, "login-delay")};
  BusHost host(options.retry_initial, options.retry_max, flags->daemon.utmp);
  auto set_state = [&](std::string_view state) {
    try {
      coordinator->set_state(state);
    } catch (const std::exception& e) {
      spdlog::warn("cannot record state {}: {}", state, e.what());
    }
  };
  Daemon daemon(options, host, slot.get(), set_state);
  try {
    corestack::systemd::notify_ready();
  } catch (const std::exception& e) {
    spdlog::warn("sd_notify: {}", e.what());
  }
  const int code = daemon.run();
  if (code != 0) return code;
  for (;;)
    ::pause();  // the machine is going down
}

}  // namespace

int main(int argc, char** argv) {
  auto env = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  setup_logging(env);
  std::signal(SIGINT, exit_on_signal);
  std::signal(SIGTERM, exit_on_signal);
  return run(std::vector<std::string>(argv + 1, argv + argc), env);
}
