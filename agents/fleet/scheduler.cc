#include "agents/fleet/scheduler.h"

#include <algorithm>

#include "agents/fleet/glob.h"
#include "agents/fleet/go_text.h"

namespace corestack::fleet {
namespace {

// Outer repetitions of (unschedule pass, placement pass) in one round.
constexpr int kMaxRoundPasses = 4;

bool is_active(const ClusterJob& job) {
  return job.desired != JobState::inactive;
}

bool needs_placement(const ClusterJob& job) {
  return !job.requirements.global && is_active(job) && !job.target;
}

// fleet's MachineState.MatchID: the full ID or the short (8-character) one.
bool matches_machine_id(std::string_view id, std::string_view wanted) {
  return id == wanted || (id.size() > 8 && id.substr(0, 8) == wanted);
}

bool any_glob_matches(const std::vector<std::string>& globs, std::string_view name) {
  return std::any_of(globs.begin(), globs.end(),
                     [&](const std::string& g) { return glob_matches(g, name); });
}

// `a` replaces `b` and not the other way round. A circular pair displaces neither (the
// reference ignores circular Replaces) but still never shares a machine: two units that
// each say the other must go cannot both run there (fleet's TestScheduleCircularReplace:
// only one of them is active on a one-machine cluster).
bool replaces_one_way(const ClusterJob& a, const ClusterJob& b) {
  return any_glob_matches(a.requirements.replaces, b.name) &&
         !any_glob_matches(b.requirements.replaces, a.name);
}

bool replace_each_other(const ClusterJob& a, const ClusterJob& b) {
  return any_glob_matches(a.requirements.replaces, b.name) &&
         any_glob_matches(b.requirements.replaces, a.name);
}

std::string metadata_mismatch(const MetadataRequirement& required,
                              const std::map<std::string, std::string>& has) {
  for (const auto& [key, allowed] : required) {
    auto local = has.find(key);
    if (local == has.end()) {
      return "machine has no metadata " + go_quote(key) + " (needs " +
             describe_metadata({{key, allowed}}) + ")";
    }
    if (std::find(allowed.begin(), allowed.end(), local->second) == allowed.end()) {
      return "machine metadata " + key + "=" + local->second + " does not match " +
             describe_metadata({{key, allowed}});
    }
  }
  return {};
}

// Why a unit already on the machine keeps `job` off it, or "".
std::string blocking_unit(const ClusterJob& job, const ClusterJob& other) {
  if (any_glob_matches(job.requirements.conflicts, other.name) ||
      any_glob_matches(other.requirements.conflicts, job.name)) {
    return "conflicts with unit " + other.name + " on this machine";
  }
  if (replaces_one_way(other, job)) return "unit " + other.name + " on this machine replaces it";
  if (replace_each_other(job, other)) {
    return "unit " + other.name + " on this machine and this unit replace each other";
  }
  return {};
}

std::string missing_peer(const ClusterJob& job, const std::vector<const ClusterJob*>& units) {
  for (const std::string& peer : job.requirements.peers) {
    bool here = std::any_of(units.begin(), units.end(),
                            [&](const ClusterJob* u) { return u->name == peer; });
    if (!here) return "required peer unit " + peer + " is not scheduled on this machine";
  }
  return {};
}

Decision make(DecisionKind kind, std::string_view job, std::string_view machine,
              std::string reason) {
  return Decision{kind, std::string(job), std::string(machine), std::move(reason), {}};
}

// Steps 1-3 of plan_engine_round over one model.
class Round {
 public:
  explicit Round(ClusterModel& model) : model_(model) {}

  std::vector<Decision> run();

 private:
  bool unschedule_pass();
  std::optional<std::string> unschedule_reason(const ClusterJob& job) const;
  bool placement_pass();
  bool place(const ClusterJob& job);
  std::vector<const ClusterMachine*> by_load() const;
  void displace_replaced(const ClusterJob& job, const std::string& machine_id);
  Decision unschedulable(const ClusterJob& job) const;
  std::optional<std::string> cluster_wide_reason(const ClusterJob& job) const;

  ClusterModel& model_;
  std::vector<Decision> decisions_;
  std::set<std::string> moved_;  // jobs displaced by Replaces this round
};

std::vector<Decision> Round::run() {
  for (int pass = 0; pass < kMaxRoundPasses; ++pass) {
    bool unscheduled = unschedule_pass();
    bool placed = placement_pass();
    if (!unscheduled && !placed) break;
  }
  for (const auto& [name, job] : model_.jobs()) {
    if (needs_placement(job)) decisions_.push_back(unschedulable(job));
  }
  return std::move(decisions_);
}

std::optional<std::string> Round::unschedule_reason(const ClusterJob& job) const {
  const std::string& target = *job.target;
  if (!is_active(job)) return "target state inactive";
  const ClusterMachine* machine = model_.machine(target);
  if (machine == nullptr) return "target Machine(" + target + ") went away";
  if (auto able = able_to_run(job, *machine, model_); !able) {
    return "target Machine(" + target + ") unable to run unit: " + able.error();
  }
  return std::nullopt;
}

// Repeated until nothing changes: a unit leaving can invalidate its MachineOf followers.
bool Round::unschedule_pass() {
  bool any = false;
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [name, job] : model_.jobs()) {
      if (job.requirements.global || !job.target) continue;
      auto reason = unschedule_reason(job);
      if (!reason) continue;
      decisions_.push_back(make(DecisionKind::unschedule, name, *job.target, *reason));
      model_.unschedule(name);
      changed = any = true;
    }
  }
  return any;
}

// Repeated while it places something: a follower sorted before its peer gets a second try.
bool Round::placement_pass() {
  bool any = false;
  for (bool progress = true; progress;) {
    progress = false;
    for (const auto& [name, job] : model_.jobs()) {
      if (needs_placement(job) && place(job)) progress = any = true;
    }
  }
  return any;
}

// Machines by (unit count ascending, machine ID ascending): fleet's leastLoadedScheduler.
std::vector<const ClusterMachine*> Round::by_load() const {
  std::vector<std::pair<std::size_t, const ClusterMachine*>> loads;
  for (const auto& [id, machine] : model_.machines())
    loads.emplace_back(model_.load(id), &machine);
  std::stable_sort(loads.begin(), loads.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const ClusterMachine*> out;
  for (const auto& [load, machine] : loads)
    out.push_back(machine);
  return out;
}

bool Round::place(const ClusterJob& job) {
  for (const ClusterMachine* machine : by_load()) {
    if (!able_to_run(job, *machine, model_)) continue;
    std::string reason =
        "target state " + std::string(to_string(job.desired)) + " and unit not scheduled";
    decisions_.push_back(make(DecisionKind::schedule, job.name, machine->id, std::move(reason)));
    model_.schedule(job.name, machine->id);
    displace_replaced(job, machine->id);
    return true;
  }
  return false;
}

// Replaces=: units on the chosen machine that `job` replaces move elsewhere now.
void Round::displace_replaced(const ClusterJob& job, const std::string& machine_id) {
  std::vector<std::string> victims;
  for (const ClusterJob* other : model_.units_on(machine_id)) {
    if (other->name != job.name && !other->requirements.global && replaces_one_way(job, *other) &&
        !moved_.contains(other->name)) {
      victims.push_back(other->name);
    }
  }
  for (const std::string& name : victims) {
    moved_.insert(name);
    decisions_.push_back(
        make(DecisionKind::unschedule, name, machine_id, "replaced by unit " + job.name));
    model_.unschedule(name);
    place(*model_.job(name));
  }
}

std::optional<std::string> Round::cluster_wide_reason(const ClusterJob& job) const {
  const Requirements& r = job.requirements;
  const auto& machines = model_.machines();
  if (machines.empty()) return "no machines in the cluster";
  auto any_machine = [&](auto pred) { return std::any_of(machines.begin(), machines.end(), pred); };
  if (r.machine_id &&
      !any_machine([&](const auto& m) { return matches_machine_id(m.first, *r.machine_id); })) {
    return "required machine " + *r.machine_id + " is not in the cluster";
  }
  if (!r.metadata.empty() &&
      !any_machine([&](const auto& m) { return has_metadata(m.second.metadata, r.metadata); })) {
    return "no machine matches metadata " + describe_metadata(r.metadata);
  }
  for (const std::string& peer : r.peers) {
    const ClusterJob* p = model_.job(peer);
    if (p == nullptr) return "peer unit " + peer + " does not exist";
    if (!is_active(*p)) return "peer unit " + peer + " is inactive";
    if (!p->requirements.global && !p->target) return "peer unit " + peer + " is unscheduled";
  }
  return std::nullopt;
}

Decision Round::unschedulable(const ClusterJob& job) const {
  Decision d = make(DecisionKind::unschedulable, job.name, "", "");
  for (const auto& [id, machine] : model_.machines()) {
    auto able = able_to_run(job, machine, model_);
    d.details.push_back(id + ": " +
                        (able ? "able to run it now (pass limit reached)" : able.error()));
  }
  d.reason = cluster_wide_reason(job).value_or("no eligible machine among " +
                                               std::to_string(model_.machines().size()));
  return d;
}

}  // namespace

ClusterModel::ClusterModel(std::vector<ClusterMachine> machines, std::vector<ClusterJob> jobs) {
  for (ClusterMachine& m : machines)
    add_machine(std::move(m));
  for (ClusterJob& j : jobs)
    add_job(std::move(j));
}

void ClusterModel::add_machine(ClusterMachine machine) {
  std::string id = machine.id;
  machines_.insert_or_assign(std::move(id), std::move(machine));
}

void ClusterModel::remove_machine(std::string_view id) {
  if (auto it = machines_.find(id); it != machines_.end()) machines_.erase(it);
}

void ClusterModel::add_job(ClusterJob job) {
  std::string name = job.name;
  if (jobs_.contains(name)) unschedule(name);
  if (job.requirements.global) {
    globals_.insert(name);
  } else {
    globals_.erase(name);
  }
  auto target = job.target;
  jobs_.insert_or_assign(name, std::move(job));
  if (target) schedule(name, *target);
}

const ClusterMachine* ClusterModel::machine(std::string_view id) const {
  auto it = machines_.find(id);
  return it == machines_.end() ? nullptr : &it->second;
}

const ClusterJob* ClusterModel::job(std::string_view name) const {
  auto it = jobs_.find(name);
  return it == jobs_.end() ? nullptr : &it->second;
}

std::vector<const ClusterJob*> ClusterModel::units_on(std::string_view machine_id) const {
  std::vector<const ClusterJob*> units;
  if (auto it = targeted_.find(machine_id); it != targeted_.end()) {
    for (const std::string& name : it->second) {
      const ClusterJob& j = jobs_.find(name)->second;
      if (is_active(j)) units.push_back(&j);
    }
  }
  if (const ClusterMachine* m = machine(machine_id); m != nullptr) {
    for (const std::string& name : globals_) {
      const ClusterJob& j = jobs_.find(name)->second;
      if (is_active(j) && has_metadata(m->metadata, j.requirements.metadata)) units.push_back(&j);
    }
  }
  std::sort(units.begin(), units.end(),
            [](const ClusterJob* a, const ClusterJob* b) { return a->name < b->name; });
  return units;
}

void ClusterModel::schedule(std::string_view name, std::string_view machine_id) {
  auto it = jobs_.find(name);
  if (it == jobs_.end()) return;
  unschedule(name);
  it->second.target = std::string(machine_id);
  if (!it->second.requirements.global) targeted_[std::string(machine_id)].insert(it->first);
}

void ClusterModel::unschedule(std::string_view name) {
  auto it = jobs_.find(name);
  if (it == jobs_.end() || !it->second.target) return;
  if (auto t = targeted_.find(*it->second.target); t != targeted_.end()) {
    t->second.erase(it->first);
    if (t->second.empty()) targeted_.erase(t);
  }
  it->second.target.reset();
}

Expected<void, std::string> able_to_run(const ClusterJob& job, const ClusterMachine& machine,
                                        const ClusterModel& model) {
  const Requirements& r = job.requirements;
  if (r.machine_id && !matches_machine_id(machine.id, *r.machine_id)) {
    return unexpected("machine ID " + machine.id + " does not match required " + *r.machine_id);
  }
  if (std::string why = metadata_mismatch(r.metadata, machine.metadata); !why.empty()) {
    return unexpected(std::move(why));
  }
  std::vector<const ClusterJob*> units = model.units_on(machine.id);
  if (std::string why = missing_peer(job, units); !why.empty()) return unexpected(std::move(why));
  for (const ClusterJob* other : units) {
    if (other->name == job.name) continue;
    if (std::string why = blocking_unit(job, *other); !why.empty())
      return unexpected(std::move(why));
  }
  return {};
}

std::vector<Decision> plan_engine_round(ClusterModel& model) {
  return Round(model).run();
}

std::string to_string(const Decision& d) {
  switch (d.kind) {
    case DecisionKind::schedule:
      return "schedule " + d.job + " on " + d.machine_id + ": " + d.reason;
    case DecisionKind::unschedule:
      return "unschedule " + d.job + " from " + d.machine_id + ": " + d.reason;
    case DecisionKind::unschedulable:
      break;
  }
  std::string out = "unschedulable " + d.job + ": " + d.reason;
  for (const std::string& line : d.details)
    out += "; " + line;
  return out;
}

}  // namespace corestack::fleet
