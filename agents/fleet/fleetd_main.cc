// fleetd: one per host (docs/fleet.md "fleetd"). Reads fleet.conf + FLEET_*, registers the
// machine in etcd (heartbeat with agent_ttl), runs the engine (competing for the leader
// lease) on its own thread, the agent (units via systemd over D-Bus) on the main thread,
// and the v1 API on the sockets systemd passes (fleet.socket). SIGTERM/SIGINT: the engine
// gives up its lease and fleetd exits, leaving its units running (a restart adopts them;
// the reference stopped every unit instead). SIGHUP: the engine and agent stop, the
// configuration is read again and they start over with it; the API's listeners stay open
// and the units keep running (a bad new configuration is logged and the old one kept).
#include <unistd.h>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "agents/etcdclient/client.h"
#include "agents/etcdclient/keys_api.h"
#include "agents/fleet/agent.h"
#include "agents/fleet/engine.h"
#include "agents/fleet/fleet_api.h"
#include "agents/fleet/fleet_config.h"
#include "agents/fleet/host_identity.h"
#include "agents/fleet/unit_manager.h"
#include "agents/systemd/machine_id.h"
#include "agents/systemd/notify.h"

namespace {

using namespace corestack::fleet;
using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Set by the signal handlers only (async-signal-safe lock-free atomics).
std::atomic<bool> g_stop{false};    // NOLINT: SIGTERM, SIGINT
std::atomic<bool> g_reload{false};  // NOLINT: SIGHUP

extern "C" void on_signal(int) {
  g_stop.store(true);
}

extern "C" void on_reload(int) {
  g_reload.store(true);
}

bool interrupted() {
  return g_stop.load() || g_reload.load();
}

class RegistryPort : public AgentRegistry {
 public:
  RegistryPort(Registry& registry, std::string machine_id)
      : registry_(registry), machine_id_(std::move(machine_id)) {}

  Expected<std::vector<JobRecord>, std::string> jobs() override {
    auto jobs = registry_.get_jobs();
    if (!jobs) return unexpected(jobs.error().message);
    std::vector<JobRecord> out;
    for (const auto& j : *jobs)
      out.push_back({j.name, j.unit_hash, j.target_state, j.target});
    return out;
  }
  Expected<std::map<UnitHash, UnitFile>, std::string> units() override {
    auto units = registry_.get_units();
    if (!units) return unexpected(units.error().message);
    return *units;
  }
  Expected<Done, std::string> set_job_state(const std::string& unit, seconds ttl) override {
    return done(registry_.set_job_state_heartbeat(unit, machine_id_, ttl));
  }
  Expected<Done, std::string> clear_job_state(const std::string& unit) override {
    return done(registry_.clear_job_state(unit));
  }
  Expected<Done, std::string> publish_state(const std::string& unit, const UnitStateRecord& s,
                                            seconds ttl) override {
    return done(registry_.publish_unit_state(unit, machine_id_, s, ttl));
  }
  Expected<Done, std::string> remove_state(const std::string& unit) override {
    return done(registry_.remove_unit_state(unit, machine_id_));
  }

 private:
  static Expected<Done, std::string> done(const RegistryResult<void>& r) {
    if (!r) return unexpected(r.error().message);
    return Done{};
  }

  Registry& registry_;
  std::string machine_id_;
};

class ExecutorPort : public UnitExecutor {
 public:
  ExecutorPort(UnitManager& units, std::string machine_id)
      : units_(units), machine_id_(std::move(machine_id)) {}

  std::map<std::string, CurrentUnit> current_units() override { return units_.current_units(); }
  Expected<Done, std::string> execute(const std::vector<AgentTask>& tasks,
                                      const std::map<std::string, UnitFile>& files) override {
    auto source = [&](const std::string& name) -> Expected<UnitFile, std::string> {
      auto it = files.find(name);
      if (it == files.end()) return unexpected("no unit file for " + name);
      return it->second;
    };
    auto r = units_.execute(tasks, source);
    if (!r) return unexpected(r.error());
    return Done{};
  }
  std::map<std::string, SystemdState> poll_states() override {
    std::map<std::string, SystemdState> out;
    auto states = units_.poll_states(machine_id_);
    if (!states) {
      spdlog::warn("polling unit states: {}", states.error());
      return out;
    }
    for (const auto& [name, s] : *states) {
      out[name] = {s.load_state, s.active_state, s.sub_state};
    }
    return out;
  }

 private:
  UnitManager& units_;
  std::string machine_id_;
};

etcd::client::Config etcd_config(const FleetConfig& c) {
  etcd::client::Config e;
  e.endpoints = c.etcd_servers;
  e.ca_file = c.etcd_cafile;
  e.cert_file = c.etcd_certfile;
  e.key_file = c.etcd_keyfile;
  e.username = c.etcd_username;
  e.password = c.etcd_password;
  e.request_timeout_ms = static_cast<uint64_t>(c.etcd_request_timeout.count());
  return e;
}

std::unique_ptr<etcd::client::Client> make_client(const FleetConfig& config) {
  auto client = etcd::client::Client::create(etcd_config(config));
  if (!client) {
    spdlog::critical("invalid etcd configuration: {}", client.error().to_string());
    std::exit(1);
  }
  return std::move(client.value());
}

// The machine's presence: create-only at start (a duplicate machine ID never registers),
// unless the live object is our own from before a restart (same public IP).
class Presence {
 public:
  // `previous_ip`: the address this process registered under before a reload (its own
  // object even if the configured public IP changed).
  Presence(Registry& registry, MachineState machine, seconds ttl, std::string previous_ip)
      : registry_(registry),
        machine_(std::move(machine)),
        ttl_(ttl),
        previous_ip_(std::move(previous_ip)) {}

  bool registered() const { return registered_; }

  // Registers or refreshes; false (logged) when etcd refused or was unreachable.
  bool beat() {
    auto r = registered_ ? registry_.refresh_machine(machine_, ttl_) : register_once();
    if (!r) {
      if (registered_) spdlog::error("heartbeat failed: {}", r.error().message);
      registered_ = false;
      return false;
    }
    registered_ = true;
    return true;
  }

 private:
  RegistryResult<void> register_once() {
    auto r = registry_.register_machine(machine_, ttl_);
    if (r || r.error().kind != RegistryErrorKind::already_registered) {
      if (!r) spdlog::error("registering machine {}: {}", machine_.id, r.error().message);
      return r;
    }
    auto machines = registry_.get_machines();
    if (machines) {
      for (const auto& m : *machines) {
        const auto& ip = m.state.public_ip;
        if (m.state.id == machine_.id && (ip == machine_.public_ip || ip == previous_ip_)) {
          spdlog::info("taking over this machine's registration from before a restart");
          return registry_.refresh_machine(machine_, ttl_);
        }
      }
    }
    spdlog::error("machine ID {} is registered by another host: duplicate /etc/machine-id?",
                  machine_.id);
    return r;
  }

  Registry& registry_;
  MachineState machine_;
  seconds ttl_;
  std::string previous_ip_;
  bool registered_ = false;
};

void run_engine(const FleetConfig& config, const std::string& machine_id, ChangeSource& changes,
                const std::atomic<bool>& stop) {
  auto client = make_client(config);
  etcd::client::KeysApi keys(*client);
  Registry registry(keys, config.etcd_key_prefix);
  const auto grace = duration_cast<milliseconds>(derive_timings(config).machine_heartbeat +
                                                 config.etcd_request_timeout);
  Engine engine(registry, {machine_id, 1, config.engine_reconcile_interval, {}, grace});
  engine.run_until_stopped(stop, changes);
  engine.release_lease();
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Timers {
  Clock::time_point heartbeat, reconcile, poll, refresh;
};

// Runs until SIGTERM/SIGINT or SIGHUP. `changes`: the job/ watch (nullptr: timers only).
void agent_loop(const FleetConfig& config, const std::string& machine_id, const std::string& ip,
                const std::string& previous_ip, FleetApi& api, ChangeSource* changes) {
  const FleetTimings t = derive_timings(config);
  const auto ttl = duration_cast<seconds>(t.presence_ttl);
  auto client = make_client(config);
  etcd::client::KeysApi keys(*client);
  Registry registry(keys, config.etcd_key_prefix);
  MachineState machine{machine_id, ip, config.metadata, std::map<std::string, bool>{}, "1.0.0"};
  Presence presence(registry, machine, ttl, previous_ip);
  auto bus = corestack::systemd::Bus::open_system();
  SystemdManager systemd(bus);
  auto units = UnitManager::open(systemd, config.units_directory);
  if (!units) {
    spdlog::critical("units directory: {}", units.error());
    std::exit(1);
  }
  RegistryPort registry_port(registry, machine_id);
  ExecutorPort executor(*units, machine_id);
  Agent agent({machine_id, config.metadata, ttl}, registry_port, executor);
  // A placement change under job/ (a unit scheduled here, a desired state) reconciles at
  // once, as fleet's agent does on its watch; the 5 s timer covers everything else.
  Timers next{};
  bool notified = false;
  while (!interrupted()) {
    const auto now = Clock::now();
    if (now >= next.heartbeat) {
      const bool up = presence.beat();
      api.set_registered(up);
      next.heartbeat = now + (up ? t.machine_heartbeat : seconds(1));
      if (up && !notified) {
        try {
          corestack::systemd::notify_ready();
        } catch (const std::exception& e) {
          spdlog::warn("sd_notify: {}", e.what());
        }
        notified = true;
      }
    }
    if (presence.registered() && now >= next.reconcile) {
      if (auto r = agent.reconcile(); !r) spdlog::error("agent: {}", r.error());
      next.reconcile = now + t.agent_reconcile;
    }
    if (presence.registered() && now >= next.poll) {
      const bool everything = now >= next.refresh;
      agent.publish(everything);
      if (everything) next.refresh = now + t.state_refresh;
      next.poll = now + t.state_poll;
    }
    if (!changes) {
      std::this_thread::sleep_for(milliseconds(100));
      continue;
    }
    for (const ChangeEvent& e : changes->wait_for_changes(milliseconds(100))) {
      if (changes_job_placement(registry.keys(), e)) next.reconcile = Clock::now();
    }
  }
}

void setup_logging(bool journal, int verbosity) {
  spdlog::set_default_logger(spdlog::stderr_logger_mt("fleetd"));
  spdlog::set_pattern(journal ? "%l: %v" : "%Y-%m-%d %H:%M:%S.%e %l: %v");
  spdlog::set_level(verbosity > 0 ? spdlog::level::debug : spdlog::level::info);
  spdlog::flush_on(spdlog::level::info);
}

// The API handler of the current configuration: a reload swaps in a FleetApi with its own
// etcd client while connection threads keep calling.
class ApiHolder {
 public:
  // One configuration's API: an etcd client and the FleetApi over it.
  struct Generation {
    explicit Generation(const FleetConfig& config)
        : client(make_client(config)),
          keys(*client),
          registry(keys, config.etcd_key_prefix),
          api(registry, static_cast<uint16_t>(config.token_limit)) {}
    std::unique_ptr<etcd::client::Client> client;
    etcd::client::KeysApi keys;
    Registry registry;
    FleetApi api;
  };

  ApiResponse handle(const ApiRequest& request) {
    std::shared_ptr<Generation> current;
    {
      std::lock_guard lock(mutex_);
      current = current_;
    }
    return current->api.handle(request);
  }
  FleetApi& install(const FleetConfig& config) {
    auto next = std::make_shared<Generation>(config);
    std::lock_guard lock(mutex_);
    current_ = next;
    return next->api;
  }

 private:
  std::mutex mutex_;
  std::shared_ptr<Generation> current_;
};

struct Arguments {
  std::string config_path;  // "" = the default file if it exists
  bool version = false;
};

std::optional<Arguments> parse_arguments(int argc, char** argv) {
  Arguments a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--version" || arg == "-version" || arg == "version") {
      a.version = true;
    } else if ((arg == "--config" || arg == "-config") && i + 1 < argc) {
      a.config_path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      a.config_path = arg.substr(9);
    } else {
      return std::nullopt;
    }
  }
  return a;
}

std::optional<std::string> env(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  return v ? std::optional<std::string>(v) : std::nullopt;
}

Expected<FleetConfig, std::string> load_config(const std::string& config_path) {
  const std::string file = config_path.empty() ? std::string(kDefaultConfigFile) : config_path;
  auto text = read_file(file);
  if (!text && !config_path.empty()) return unexpected("Unable to open config file " + config_path);
  return load_fleet_config(text ? std::optional<std::string_view>(*text) : std::nullopt, env, file);
}

// The watches of one configuration: job/ and machines/ for the engine, with the agent as a
// second reader (one watch request per event and host, not two); job/ alone without an
// engine; none for an agent on timers only (disable_watches) without an engine.
struct Watches {
  std::optional<EtcdChangeSource> source;
  std::unique_ptr<ChangeSource> agent_view;
  ChangeSource* agent = nullptr;
};

void open_watches(const FleetConfig& config, Watches& w) {
  const KeySchema keys(config.etcd_key_prefix);
  if (!config.disable_engine) {
    w.source.emplace(etcd_config(config), keys);
    if (!config.disable_watches) w.agent_view = w.source->subscribe();
    w.agent = w.agent_view.get();
  } else if (!config.disable_watches) {
    w.source.emplace(etcd_config(config), keys, std::chrono::seconds(60),
                     EtcdChangeSource::Watch::jobs);
    w.agent = &*w.source;
  }
}

// One configuration's engine and agent, until a signal. Throws what the agent throws.
void run_generation(const FleetConfig& config, const std::string& machine_id, const std::string& ip,
                    const std::string& previous_ip, FleetApi& api) {
  Watches watches;
  open_watches(config, watches);
  std::atomic<bool> engine_stop{false};
  std::thread engine;
  if (!config.disable_engine) {
    engine = std::thread([&] { run_engine(config, machine_id, *watches.source, engine_stop); });
  }
  try {
    agent_loop(config, machine_id, ip, previous_ip, api, watches.agent);
  } catch (...) {
    engine_stop = true;
    if (engine.joinable()) engine.join();
    throw;
  }
  engine_stop = true;
  if (engine.joinable()) engine.join();
}

// SIGHUP: the new configuration, or the old one when the new one does not load.
FleetConfig reload(const std::string& config_path, const FleetConfig& current) {
  corestack::systemd::notify("RELOADING=1");
  auto next = load_config(config_path);
  if (!next) {
    spdlog::error("reloading the configuration: {}; keeping the previous one", next.error());
    return current;
  }
  for (const auto& w : next->warnings)
    spdlog::warn("{}", w);
  spdlog::set_level(next->verbosity > 0 ? spdlog::level::debug : spdlog::level::info);
  spdlog::info("configuration reloaded");
  return *next;
}

int run(int argc, char** argv) {
  auto args = parse_arguments(argc, argv);
  if (!args) {
    std::cerr << "Usage: fleetd [--config PATH] [--version]\n";
    return 1;
  }
  if (args->version) {
    std::cout << "fleetd version 1.0.0 (corestack " << CORESTACK_VERSION << ")\n";
    return 0;
  }
  auto config = load_config(args->config_path);
  if (!config) {
    std::cerr << config.error() << "\n";
    return 1;
  }
  setup_logging(env("JOURNAL_STREAM").has_value(), config->verbosity);
  for (const auto& w : config->warnings)
    spdlog::warn("{}", w);
  if (config->enable_grpc) {
    spdlog::warn("enable_grpc is not supported: the engine and agents talk through etcd");
  }
  std::string machine_id;
  try {
    machine_id = corestack::systemd::read_machine_id(
        env("FLEET_MACHINE_ID_FILE").value_or("/etc/machine-id"));
  } catch (const std::exception& e) {
    spdlog::critical("unable to determine local machine ID: {}", e.what());
    return 1;
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGHUP, on_reload);

  ApiHolder apis;
  FleetApi* api = &apis.install(*config);
  ApiServer server([&apis](const ApiRequest& r) { return apis.handle(r); }, "fleetd/1.0.0");
  for (int fd : ApiServer::systemd_sockets())
    server.serve(fd);

  int status = 0;
  std::string previous_ip;
  while (true) {
    const std::string ip = detect_public_ip(config->public_ip);
    spdlog::info("starting fleetd: machine {} public IP {}", machine_id, ip.empty() ? "-" : ip);
    try {
      run_generation(*config, machine_id, ip, previous_ip, *api);
    } catch (const std::exception& e) {
      spdlog::critical("agent: {}", e.what());
      status = 1;
      break;
    }
    if (g_stop) break;
    g_reload = false;
    *config = reload(args->config_path, *config);
    api = &apis.install(*config);
    previous_ip = ip;
  }
  server.stop();
  spdlog::info("fleetd stopped; local units keep running");
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  return run(argc, argv);
}
