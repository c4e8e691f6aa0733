// fleet_engine_cluster: the registry and engine against a real etcd cluster (started by
// engine_cluster.py). Two engines compete for the lease while 100 units are placed on 5
// machines; then a machine leaves and its units must be re-placed in the next round; then
// the leader steps down and the other engine takes over. Everything is checked from a
// fresh quorum read. Prints "ROUND ..." lines with the etcd requests each round cost.
//
//   fleet_engine_cluster --endpoints http://127.0.0.1:1,http://127.0.0.1:2 [--prefix P]
// Exit status: 0 all checks passed, 1 a check failed (printed as FAIL lines).
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agents/etcdclient/client.h"
#include "agents/fleet/engine.h"

namespace corestack::fleet {
namespace {

using namespace std::chrono_literals;

constexpr int kUnits = 100;
constexpr int kMachines = 5;
constexpr auto kInterval = 1000ms;  // lease TTL 5 s

int failures = 0;

void check(bool ok, const std::string& what) {
  if (!ok) {
    ++failures;
    std::printf("FAIL: %s\n", what.c_str());
  }
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    out.push_back(item);
  return out;
}

std::unique_ptr<etcd::client::Client> client_for(std::vector<std::string> endpoints) {
  etcd::client::Config config;
  config.endpoints = std::move(endpoints);
  config.request_timeout_ms = 5000;
  auto c = etcd::client::Client::create(config);
  if (!c) {
    std::printf("FAIL: %s\n", c.error().to_string().c_str());
    std::exit(1);
  }
  return std::move(*c);
}

std::string machine_id(int i) {
  char id[33];
  std::snprintf(id, sizeof id, "%031x%d", 0xf1ee7, i);
  return id;
}

struct EngineHost {
  EngineHost(std::vector<std::string> endpoints, std::string id, const std::string& prefix)
      : client(client_for(std::move(endpoints))),
        keys(*client),
        registry(keys, prefix),
        engine(registry, EngineOptions{std::move(id), 1, kInterval, {}}) {}
  std::unique_ptr<etcd::client::Client> client;
  etcd::client::KeysApi keys;
  Registry registry;
  Engine engine;
};

// Targets per machine from a fresh quorum read; `unplaced` counts jobs without one.
std::map<std::string, int> placement(Registry& admin, int& unplaced) {
  std::map<std::string, int> load;
  unplaced = 0;
  auto jobs = admin.get_jobs();
  check(jobs.ok(), "reading jobs");
  if (!jobs) return load;
  for (const RegistryJob& j : *jobs) {
    if (j.target) {
      ++load[*j.target];
    } else {
      ++unplaced;
    }
  }
  return load;
}

void check_balanced(Registry& admin, int machines, const std::string& when) {
  int unplaced = 0;
  auto load = placement(admin, unplaced);
  int lo = kUnits, hi = 0;
  std::string text;
  for (const auto& [m, n] : load) {
    lo = std::min(lo, n);
    hi = std::max(hi, n);
    text += " " + m.substr(m.size() - 1) + ":" + std::to_string(n);
  }
  std::printf("%s: load%s, unplaced %d\n", when.c_str(), text.c_str(), unplaced);
  check(unplaced == 0, when + ": " + std::to_string(unplaced) + " units unplaced");
  check(static_cast<int>(load.size()) == machines,
        when + ": units on " + std::to_string(load.size()) + " machines");
  check(hi - lo <= 1, when + ": not balanced within 1");
}

// Both engines run `rounds` rounds concurrently; returns how many rounds each acted in.
std::pair<int, int> compete(EngineHost& a, EngineHost& b, int rounds) {
  int acted[2] = {0, 0};
  auto run = [&](EngineHost& host, int slot, const char* name) {
    for (int i = 0; i < rounds; ++i) {
      RoundResult r = host.engine.run_round(EngineClock::now());
      if (r.outcome == RoundOutcome::acted) ++acted[slot];
      std::printf("ROUND engine=%s outcome=%s decisions=%zu writes=%zu requests=%llu%s%s\n", name,
                  std::string(to_string(r.outcome)).c_str(), r.decisions.size(), r.writes_applied,
                  static_cast<unsigned long long>(r.requests), r.message.empty() ? "" : " ",
                  r.message.c_str());
      std::this_thread::sleep_for(kInterval / 4);
    }
  };
  std::thread ta(run, std::ref(a), 0, "A");
  std::thread tb(run, std::ref(b), 1, "B");
  ta.join();
  tb.join();
  return {acted[0], acted[1]};
}

std::optional<RegistryJob> job(Registry& admin, const std::string& name) {
  auto jobs = admin.get_jobs();
  if (jobs) {
    for (RegistryJob& j : *jobs) {
      if (j.name == name) return j;
    }
  }
  return std::nullopt;
}

// An unschedulable unit gets its reason with the lease TTL, refreshed (refresh=true)
// while it stays; the watch on job/ reports a target-state change; destroying the job
// removes everything.
void check_reasons_and_watch(Registry& admin, EngineHost& leader,
                             const std::vector<std::string>& endpoints) {
  etcd::client::Config config;
  config.endpoints = endpoints;
  EtcdChangeSource changes(config, admin.keys(), 500ms);
  std::this_thread::sleep_for(200ms);
  auto unit =
      UnitFile::parse("[Service]\nExecStart=/bin/true\n[X-Fleet]\nMachineMetadata=region=asia\n");
  auto hash = admin.create_unit(*unit);
  check(hash && admin.create_job("asia.service", *hash, JobState::launched).ok(), "asia job");
  bool woke = false;
  for (int i = 0; i < 10 && !woke; ++i) {
    for (const ChangeEvent& e : changes.wait_for_changes(500ms))
      woke |= e.key.ends_with("asia.service/target-state") && leader.engine.wakes(e);
  }
  check(woke, "the job/ watch reports the new job's target-state");
  check(leader.engine.run_round(EngineClock::now()).outcome == RoundOutcome::acted, "reason round");
  auto j = job(admin, "asia.service");
  check(j && j->unschedulable &&
            j->unschedulable->starts_with("no machine matches metadata "
                                          "region=asia; "),
        "the unschedulable reason is published");
  check(j && j->unschedulable_ttl_s > 0 && j->unschedulable_ttl_s <= 5, "the reason has a TTL");
  std::this_thread::sleep_for(3500ms);
  check(leader.engine.run_round(EngineClock::now()).outcome == RoundOutcome::acted,
        "refresh round");
  j = job(admin, "asia.service");
  check(j && j->unschedulable && j->unschedulable_ttl_s >= 4, "the reason's TTL is refreshed");
  std::printf("unschedulable asia.service: %s\n",
              j && j->unschedulable ? j->unschedulable->c_str() : "-");
  check(admin.destroy_job("asia.service").ok(), "destroying the job");
  check(!job(admin, "asia.service"), "the destroyed job is gone");
}

int run(const std::vector<std::string>& endpoints, const std::string& prefix) {
  auto admin_client = client_for(endpoints);
  etcd::client::KeysApi admin_keys(*admin_client);
  Registry admin(admin_keys, prefix);
  for (int i = 0; i < kMachines; ++i) {
    MachineState m{machine_id(i), "10.0.0." + std::to_string(i + 1), std::nullopt,
                   std::map<std::string, bool>{{"DISABLE_ENGINE", false}, {"GRPC", false}},
                   "1.0.0"};
    check(admin.register_machine(m, 60s).ok(), "registering machine " + m.id);
    auto twice = admin.register_machine(m, 60s);
    check(!twice && twice.error().kind == RegistryErrorKind::already_registered,
          "a duplicate machine ID must be refused");
  }
  for (int i = 0; i < kUnits; ++i) {
    auto unit =
        UnitFile::parse("[Service]\nExecStart=/bin/sleep " + std::to_string(1000 + i) + "\n");
    auto hash = admin.create_unit(*unit);
    check(hash.ok(), "creating unit");
    if (hash)
      check(admin.create_job("u" + std::to_string(i) + ".service", *hash, JobState::launched).ok(),
            "creating job");
  }
  // Each engine prefers a different member.
  std::vector<std::string> reversed(endpoints.rbegin(), endpoints.rend());
  EngineHost a(endpoints, machine_id(0), prefix);
  EngineHost b(reversed, machine_id(1), prefix);

  auto [acted_a, acted_b] = compete(a, b, 3);
  check((acted_a > 0) != (acted_b > 0), "exactly one engine acts (A " + std::to_string(acted_a) +
                                            ", B " + std::to_string(acted_b) + ")");
  check_balanced(admin, kMachines, "after placement");
  EngineHost& leader = acted_a > 0 ? a : b;
  EngineHost& other = acted_a > 0 ? b : a;

  // A machine leaves: its units are re-placed in the leader's next round.
  check(admin.remove_machine(machine_id(kMachines - 1)).ok(), "removing a machine");
  RoundResult moved = leader.engine.run_round(EngineClock::now());
  std::printf(
      "ROUND engine=leader outcome=%s decisions=%zu writes=%zu requests=%llu (machine loss)\n",
      std::string(to_string(moved.outcome)).c_str(), moved.decisions.size(), moved.writes_applied,
      static_cast<unsigned long long>(moved.requests));
  check(moved.outcome == RoundOutcome::acted, "the leader acts after the machine loss");
  check_balanced(admin, kMachines - 1, "after machine loss");

  check_reasons_and_watch(admin, leader, endpoints);

  // The leader steps down: the other engine leads at once.
  leader.engine.release_lease();
  RoundResult takeover = other.engine.run_round(EngineClock::now());
  check(takeover.outcome == RoundOutcome::acted, "the other engine takes over after release");
  check(takeover.decisions.empty(), "a new leader finds nothing to change");
  std::printf("RESULT %s failures=%d\n", failures == 0 ? "ok" : "FAIL", failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace corestack::fleet

int main(int argc, char** argv) {
  std::string endpoints, prefix = "/fleet_engine_cluster/";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--endpoints") == 0) endpoints = argv[i + 1];
    if (std::strcmp(argv[i], "--prefix") == 0) prefix = argv[i + 1];
  }
  if (endpoints.empty()) {
    std::fprintf(stderr, "usage: fleet_engine_cluster --endpoints URL[,URL...] [--prefix P]\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  return corestack::fleet::run(corestack::fleet::split(endpoints), prefix);
}
