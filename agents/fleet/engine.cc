#include "agents/fleet/engine.h"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "agents/etcdclient/client.h"
#include "agents/etcdclient/watcher.h"
#include "agents/fleet/requirements.h"

namespace corestack::fleet {
namespace {

using namespace std::chrono_literals;

std::chrono::seconds lease_ttl_for(std::chrono::milliseconds interval) {
  // fleet: ttl = 5 x engine_reconcile_interval; etcd TTLs are whole seconds.
  const auto ms = 5 * interval.count();
  return std::chrono::seconds(std::max<int64_t>(1, (ms + 999) / 1000));
}

// The model plan_engine_round works on. Jobs whose unit is missing are left out (fleet
// skips them too); they cannot be placed or judged.
ClusterModel build_model(const std::map<UnitHash, UnitFile>& units,
                         const std::vector<RegistryJob>& jobs,
                         const std::vector<MachineRecord>& machines) {
  ClusterModel model;
  for (const MachineRecord& m : machines) {
    model.add_machine(ClusterMachine{m.state.id, m.state.public_ip, m.metadata});
  }
  for (const RegistryJob& j : jobs) {
    auto unit = units.find(j.unit_hash);
    if (unit == units.end()) {
      spdlog::warn("Ignoring job {}: unit {} not found", j.name, j.unit_hash.hex());
      continue;
    }
    model.add_job(
        ClusterJob{j.name, parse_requirements(unit->second, j.name), j.target_state, j.target});
  }
  return model;
}

// What job/<name>/unschedulable says: the summary, then one clause per machine.
std::string reason_text(const Decision& d) {
  std::string text = d.reason;
  for (const std::string& line : d.details)
    text += "; " + line;
  return text;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string_view to_string(RoundOutcome outcome) {
  switch (outcome) {
    case RoundOutcome::acted:
      return "acted";
    case RoundOutcome::not_leader:
      return "not leader";
    case RoundOutcome::stealing:
      return "stealing";
    case RoundOutcome::version_behind:
      return "version behind";
    case RoundOutcome::lease_expired:
      return "lease expired";
    case RoundOutcome::settling:
      return "settling";
    case RoundOutcome::failed:
      break;
  }
  return "failed";
}

Engine::Engine(Registry& registry, EngineOptions options)
    : registry_(registry),
      options_(std::move(options)),
      lease_ttl_(lease_ttl_for(options_.reconcile_interval)) {
  if (!options_.clock) options_.clock = [] { return EngineClock::now(); };
}

RoundResult Engine::run_round(EngineClock::time_point now) {
  RoundResult result;
  const uint64_t before = registry_.requests();
  result.outcome = lead(now, result.message);
  if (result.outcome != RoundOutcome::failed && in_outage_) {
    in_outage_ = false;
    recovered_at_ = now;
  }
  if (result.outcome == RoundOutcome::acted) result.outcome = check_version(result.message);
  if (result.outcome == RoundOutcome::acted) result.outcome = reconcile(now, result);
  if (result.outcome == RoundOutcome::failed) in_outage_ = true;
  result.requests = registry_.requests() - before;
  seen_index_ = registry_.last_index();
  return result;
}

// ---- the lease ----

RoundOutcome Engine::lead(EngineClock::time_point now, std::string& message) {
  if (lease_) {
    auto renewed = registry_.renew_lease(*lease_, lease_ttl_);
    if (renewed) {
      lease_ = *renewed;
      lease_deadline_ = now + lease_ttl_;
    } else if (renewed.error().kind == RegistryErrorKind::lease_lost) {
      spdlog::warn("Engine leadership lost: {}", renewed.error().message);
      lease_.reset();
      stealing_ = false;
    } else {
      // Unknown: maybe still ours; lease_deadline_ keeps the last sure expiry.
      message = "renewing the engine lease: " + renewed.error().message;
      return RoundOutcome::failed;
    }
  }
  if (!lease_) return take_free_or_old_lease(now, message);
  if (stealing_ && now < act_not_before_) {
    message = "waiting for the previous leader's lease to run out";
    return RoundOutcome::stealing;
  }
  stealing_ = false;
  return RoundOutcome::acted;
}

RoundOutcome Engine::take_free_or_old_lease(EngineClock::time_point now, std::string& message) {
  auto held = registry_.get_lease();
  if (!held) {
    message = "reading the engine lease: " + held.error().message;
    return RoundOutcome::failed;
  }
  if (!*held) {
    auto got = registry_.acquire_lease(options_.machine_id, options_.engine_version, lease_ttl_);
    if (!got) {
      message = "acquiring the engine lease: " + got.error().message;
      return RoundOutcome::failed;
    }
    if (!*got) return RoundOutcome::not_leader;  // another engine was faster
    lease_ = **got;
    live_machines_.reset();
    lease_deadline_ = now + lease_ttl_;
    spdlog::info("Engine leadership acquired");
    return RoundOutcome::acted;
  }
  const EngineLease& h = **held;
  if (h.machine_id == options_.machine_id && h.version == options_.engine_version) {
    // Our own lease from before a restart (or a renewal whose answer was lost): take it
    // back by CAS on its index.
    auto renewed = registry_.renew_lease(h, lease_ttl_);
    if (!renewed) return RoundOutcome::not_leader;
    lease_ = *renewed;
    lease_deadline_ = now + lease_ttl_;
    spdlog::info("Engine leadership resumed");
    return RoundOutcome::acted;
  }
  if (h.version < options_.engine_version) {
    auto stolen =
        registry_.steal_lease(h, options_.machine_id, options_.engine_version, lease_ttl_);
    if (!stolen) return RoundOutcome::not_leader;
    lease_ = *stolen;
    stealing_ = true;
    act_not_before_ = now + std::chrono::seconds(h.ttl_s);
    lease_deadline_ = now + lease_ttl_ + std::chrono::seconds(h.ttl_s);
    spdlog::info("Stole engine leadership from Machine({})", h.machine_id);
    message = "waiting for the previous leader's lease to run out";
    return RoundOutcome::stealing;
  }
  spdlog::debug("Engine lease held by Machine({}) at version {}", h.machine_id, h.version);
  return RoundOutcome::not_leader;
}

void Engine::release_lease() {
  if (!lease_) return;
  if (auto released = registry_.release_lease(*lease_); !released) {
    spdlog::warn("Releasing the engine lease: {}", released.error().message);
  }
  lease_.reset();
  stealing_ = false;
}

// fleet's ensureEngineVersionMatch: a newer engine/version means the cluster was upgraded
// past us; an older one (or none) is raised to ours.
RoundOutcome Engine::check_version(std::string& message) {
  auto version = registry_.engine_version();
  if (!version) {
    message = "reading the engine version: " + version.error().message;
    return RoundOutcome::failed;
  }
  const int ours = options_.engine_version;
  if (*version && **version > ours) {
    message = "engine/version " + std::to_string(**version) + " is newer than ours (" +
              std::to_string(ours) + "): not acting";
    spdlog::warn("{}", message);
    return RoundOutcome::version_behind;
  }
  if (!*version || **version < ours) {
    if (auto set = registry_.set_engine_version(*version, ours); set) {
      spdlog::info("Updated engine version to {}", ours);
    } else {
      spdlog::warn("Updating the engine version: {}", set.error().message);
    }
  }
  return RoundOutcome::acted;
}

// ---- one reconcile ----

// A scheduled job's target that is not among the live machines, if any.
std::optional<std::string> Engine::missing_target(
    const std::vector<RegistryJob>& jobs, const std::vector<MachineRecord>& machines) const {
  for (const RegistryJob& j : jobs) {
    if (!j.target) continue;
    const bool live = std::any_of(machines.begin(), machines.end(),
                                  [&](const MachineRecord& m) { return m.state.id == *j.target; });
    if (!live) return *j.target;
  }
  return std::nullopt;
}

RoundOutcome Engine::reconcile(EngineClock::time_point now, RoundResult& result) {
  auto failed = [&](const RegistryError& e) {
    result.message = "reading the registry: " + e.message;
    return RoundOutcome::failed;
  };
  auto units = registry_.get_units();
  if (!units) return failed(units.error());
  auto jobs = registry_.get_jobs();
  if (!jobs) return failed(jobs.error());
  auto machines = registry_.get_machines();
  if (!machines) return failed(machines.error());
  if (recovered_at_ && now < *recovered_at_ + options_.outage_grace) {
    if (auto missing = missing_target(*jobs, *machines)) {
      result.message = "Machine(" + *missing +
                       ") is missing just after etcd was unreachable: waiting for it to "
                       "register again before moving its units";
      return RoundOutcome::settling;
    }
  }
  ClusterModel model = build_model(*units, *jobs, *machines);
  result.decisions = plan_engine_round(model);
  for (const Decision& d : result.decisions) {
    if (d.kind == DecisionKind::unschedulable) continue;
    if (!lease_valid()) {
      result.message = "the round ran past the engine lease";
      return RoundOutcome::lease_expired;
    }
    if (!apply(d, result)) return RoundOutcome::failed;
  }
  if (!lease_valid()) {
    result.message = "the round ran past the engine lease";
    return RoundOutcome::lease_expired;
  }
  publish_reasons(result.decisions, *jobs);
  purge_states_of_lost_machines(*machines);
  return RoundOutcome::acted;
}

// Unit states a dead machine published (states/<name>/<machine>) would otherwise linger in
// GET /state and list-units until their TTL (agent_ttl). Read and purged when a machine
// vanished since the last round, and once after gaining the lease. Failures are logged;
// the next occasion, or the TTL, finishes the job.
void Engine::purge_states_of_lost_machines(const std::vector<MachineRecord>& machines) {
  std::set<std::string> live;
  for (const MachineRecord& m : machines)
    live.insert(m.state.id);
  const bool check =
      !live_machines_ || std::any_of(live_machines_->begin(), live_machines_->end(),
                                     [&](const std::string& id) { return !live.contains(id); });
  live_machines_ = live;
  if (!check) return;
  auto states = registry_.get_unit_states();
  if (!states) {
    spdlog::warn("Reading unit states to purge lost machines': {}", states.error().message);
    live_machines_.reset();
    return;
  }
  for (const UnitStateEntry& s : *states) {
    if (live.contains(s.machine_id)) continue;
    if (auto r = registry_.remove_stale_unit_state(s.name, s.machine_id); !r) {
      spdlog::warn("Removing state of {} on lost Machine({}): {}", s.name, s.machine_id,
                   r.error().message);
      live_machines_.reset();
    } else {
      spdlog::info("Removed state of {} on lost Machine({})", s.name, s.machine_id);
    }
  }
}

// One schedule / unschedule write; false only when etcd could not be reached (the round
// stops). A refused write means someone changed the job since we read it.
bool Engine::apply(const Decision& d, RoundResult& result) {
  auto written = d.kind == DecisionKind::schedule ? registry_.schedule(d.job, d.machine_id)
                                                  : registry_.unschedule(d.job, d.machine_id);
  if (written) {
    spdlog::info("{}", to_string(d));
    ++result.writes_applied;
    return true;
  }
  if (written.error().kind == RegistryErrorKind::transport) {
    result.message = "writing " + d.job + ": " + written.error().message;
    return false;
  }
  spdlog::warn("{} refused: {}", to_string(d), written.error().message);
  ++result.writes_failed;
  return true;
}

// Writes each unschedulable job's reason (a changed text is set, an unchanged one only
// gets its TTL refreshed when half of it is gone, so watchers stay quiet) and clears the
// reasons of jobs that are no longer unschedulable. Failures are logged, never fatal.
void Engine::publish_reasons(const std::vector<Decision>& decisions,
                             const std::vector<RegistryJob>& jobs) {
  std::map<std::string, const RegistryJob*, std::less<>> by_name;
  for (const RegistryJob& j : jobs)
    by_name[j.name] = &j;
  std::set<std::string, std::less<>> unschedulable;
  for (const Decision& d : decisions) {
    if (d.kind != DecisionKind::unschedulable) continue;
    unschedulable.insert(d.job);
    const std::string text = reason_text(d);
    auto it = by_name.find(d.job);
    const RegistryJob* stored = it == by_name.end() ? nullptr : it->second;
    RegistryResult<void> written;
    if (stored != nullptr && stored->unschedulable == text) {
      spdlog::debug("{}", to_string(d));
      if (stored->unschedulable_ttl_s * 2 > lease_ttl_.count()) continue;
      written = registry_.refresh_unschedulable_reason(d.job, lease_ttl_);
      if (!written && written.error().kind == RegistryErrorKind::not_found) {
        written = registry_.set_unschedulable_reason(d.job, text, lease_ttl_);  // expired
      }
    } else {
      spdlog::info("{}", to_string(d));
      written = registry_.set_unschedulable_reason(d.job, text, lease_ttl_);
    }
    if (!written)
      spdlog::warn("Publishing why {} is unschedulable: {}", d.job, written.error().message);
  }
  for (const RegistryJob& j : jobs) {
    if (!j.unschedulable || unschedulable.contains(j.name)) continue;
    if (auto cleared = registry_.clear_unschedulable_reason(j.name); !cleared) {
      spdlog::warn("Clearing the unschedulable reason of {}: {}", j.name, cleared.error().message);
    }
  }
}

// ---- the loop ----

namespace {

bool is_removal(const ChangeEvent& event) {
  return event.action == "delete" || event.action == "expire" || event.action == "compareAndDelete";
}

}  // namespace

bool changes_job_placement(const KeySchema& keys, const ChangeEvent& event) {
  if (event.action == "resync") return true;
  const std::string jobs = keys.jobs_dir() + "/";
  if (!starts_with(event.key, jobs)) return false;
  std::string_view rest = std::string_view(event.key).substr(jobs.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return is_removal(event);  // a destroyed job
  std::string_view leaf = rest.substr(slash + 1);
  return leaf == "target" || leaf == "target-state" || leaf == "object";
}

bool Engine::wakes(const ChangeEvent& event) const {
  if (event.action == "resync") return true;
  if (event.index != 0 && event.index <= seen_index_) return false;
  const KeySchema& keys = registry_.keys();
  const std::string machines = keys.machines_dir() + "/";
  const bool removed = is_removal(event);
  if (starts_with(event.key, keys.jobs_dir() + "/")) return changes_job_placement(keys, event);
  if (starts_with(event.key, machines)) {
    std::string_view rest = std::string_view(event.key).substr(machines.size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) return removed;
    // A heartbeat (update / CAS) changes nothing the engine uses.
    return rest.substr(slash + 1) == "object" && event.action != "update" &&
           event.action != "compareAndSwap";
  }
  return false;
}

void Engine::run_until_stopped(const std::atomic<bool>& stop, ChangeSource& changes) {
  while (!stop) {
    const EngineClock::time_point started = options_.clock();
    RoundResult round = run_round(started);
    if (round.outcome == RoundOutcome::acted && round.decisions.empty()) {
      spdlog::debug("Engine round: nothing to do ({} requests)", round.requests);
    } else if (round.outcome == RoundOutcome::acted || round.outcome == RoundOutcome::failed ||
               round.outcome == RoundOutcome::lease_expired ||
               round.outcome == RoundOutcome::settling) {
      spdlog::info("Engine round {}: {} decisions, {} writes, {} requests{}{}",
                   to_string(round.outcome), round.decisions.size(), round.writes_applied,
                   round.requests, round.message.empty() ? "" : ": ", round.message);
    }
    // fleet's reconcile timer restarts after each round; a relevant change cuts it short.
    const EngineClock::time_point next = started + options_.reconcile_interval;
    while (!stop) {
      const EngineClock::time_point now = options_.clock();
      if (now >= next) break;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - now);
      auto events = changes.wait_for_changes(std::min<std::chrono::milliseconds>(left, 500ms));
      if (std::any_of(events.begin(), events.end(),
                      [this](const ChangeEvent& e) { return wakes(e); })) {
        break;
      }
    }
  }
}

// ---- EtcdChangeSource ----

EtcdChangeSource::EtcdChangeSource(const etcd::client::Config& config, const KeySchema& keys,
                                   std::chrono::milliseconds poll, Watch what)
    : config_(config), poll_(poll) {
  config_.cancel = &stop_;  // the destructor ends a long poll at once
  threads_.emplace_back([this, dir = keys.jobs_dir()] { watch(dir); });
  if (what == Watch::jobs_and_machines) {
    threads_.emplace_back([this, dir = keys.machines_dir()] { watch(dir); });
  }
}

EtcdChangeSource::~EtcdChangeSource() {
  stop_ = true;
  for (std::thread& t : threads_)
    t.join();
}

class EtcdChangeSource::Subscriber : public ChangeSource {
 public:
  explicit Subscriber(std::shared_ptr<Queue> queue) : queue_(std::move(queue)) {}
  std::vector<ChangeEvent> wait_for_changes(std::chrono::milliseconds timeout) override {
    return queue_->wait(timeout);
  }

 private:
  std::shared_ptr<Queue> queue_;
};

std::unique_ptr<ChangeSource> EtcdChangeSource::subscribe() {
  auto queue = std::make_shared<Queue>();
  std::lock_guard lock(subscribers_mu_);
  subscribers_.push_back(queue);
  return std::make_unique<Subscriber>(std::move(queue));
}

void EtcdChangeSource::push(const ChangeEvent& event) {
  std::vector<std::shared_ptr<Queue>> targets;
  {
    std::lock_guard lock(subscribers_mu_);
    std::erase_if(subscribers_, [](const std::weak_ptr<Queue>& q) { return q.expired(); });
    for (const auto& q : subscribers_) {
      if (auto live = q.lock()) targets.push_back(std::move(live));
    }
  }
  auto deliver = [&](Queue& q) {
    {
      std::lock_guard lock(q.mu);
      q.events.push_back(event);
    }
    q.arrived.notify_all();
  };
  deliver(own_);
  for (const auto& q : targets)
    deliver(*q);
}

void EtcdChangeSource::watch(const std::string& dir) {
  auto client = etcd::client::Client::create(config_);
  if (!client) {
    spdlog::error("Watching {}: {}", dir, client.error().to_string());
    return;
  }
  // Start at the current index so nothing between two polls is lost.
  etcd::client::KeysApi keys(**client);
  auto head = keys.get(dir, {});
  const uint64_t after = head ? head->etcd_index : head.error().index;
  etcd::client::Watcher watcher(**client, dir, {.after_index = after, .recursive = true});
  while (!stop_) {
    auto event = watcher.next(static_cast<uint64_t>(poll_.count()));
    if (event) {
      const auto& r = event->response;
      push(event->resync ? ChangeEvent{dir, "resync", r.etcd_index}
                         : ChangeEvent{r.node.key, r.action, r.node.modified_index});
    } else if (event.error().kind != etcd::client::ErrorKind::timeout) {
      spdlog::debug("Watching {}: {}", dir, event.error().to_string());
      for (int i = 0; i < 10 && !stop_; ++i)
        std::this_thread::sleep_for(100ms);  // etcd unreachable: retry soon, stay stoppable
    }
  }
}

std::vector<ChangeEvent> EtcdChangeSource::Queue::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu);
  arrived.wait_for(lock, timeout, [this] { return !events.empty(); });
  std::vector<ChangeEvent> out;
  out.swap(events);
  return out;
}

std::vector<ChangeEvent> EtcdChangeSource::wait_for_changes(std::chrono::milliseconds timeout) {
  return own_.wait(timeout);
}

}  // namespace corestack::fleet
