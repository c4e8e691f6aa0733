#include "agents/systemd/testing/fake_systemd_manager.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iostream>
#include <sstream>
#include <system_error>
#include <utility>

#include "agents/systemd/testing/fake_systemd_names.h"
#include "agents/systemd/testing/fake_systemd_process.h"

namespace corestack::systemd::testing::fake_systemd {
namespace {

// JobMode names systemd accepts (job_mode_from_string).
constexpr std::array<const char*, 9> kJobModes = {"fail",
                                                  "replace",
                                                  "replace-irreversibly",
                                                  "isolate",
                                                  "flush",
                                                  "triggering",
                                                  "ignore-dependencies",
                                                  "ignore-requirements",
                                                  "restart-dependencies"};

void check_mode(const std::string& mode, bool start) {
  const bool known =
      std::any_of(kJobModes.begin(), kJobModes.end(), [&](const char* m) { return mode == m; });
  if (!known) fail(kInvalidArgs, "Job mode " + mode + " invalid.");
  if (mode == "isolate" && !start) fail(kInvalidArgs, "Isolate is only valid for start.");
  if (mode == "isolate") fail(kNoIsolation, "Operation refused, unit may not be isolated.");
}

// SuccessExitStatus= defaults: exit 0, and for a service's main process these signals.
bool is_clean_exit(int wait_status, bool clean_signals) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status) == 0;
  const int sig = WTERMSIG(wait_status);
  return clean_signals && (sig == SIGHUP || sig == SIGINT || sig == SIGTERM || sig == SIGPIPE);
}

std::string failure_result(int wait_status) {
  if (WIFEXITED(wait_status)) return "exit-code";
  return WCOREDUMP(wait_status) ? "core-dump" : "signal";
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Later assignments win; execve must not see a name twice (getenv takes the first).
std::vector<std::string> dedupe(const std::vector<std::string>& assignments) {
  std::map<std::string, std::string> by_name;
  for (const auto& a : assignments)
    by_name[a.substr(0, a.find('='))] = a;
  std::vector<std::string> out;
  for (auto& [name, assignment] : by_name)
    out.push_back(std::move(assignment));
  return out;
}

}  // namespace

Manager::Manager(ManagerOptions options, std::function<void(const std::string&)> events,
                 std::function<void()> changed)
    : options_(std::move(options)), events_(std::move(events)), changed_(std::move(changed)) {}

std::vector<Change> Manager::link_unit_files(const std::vector<std::string>& files, bool runtime,
                                             bool force) {
  auto changes = install_.link(files, runtime, force);
  for (const auto& file : files)
    events_("link " + file);
  changed_();
  return changes;
}

InstallState::EnableResult Manager::enable_unit_files(const std::vector<std::string>& files,
                                                      bool runtime, bool force) {
  auto result = install_.enable(files, runtime, force, options_.host);
  for (const auto& file : files)
    events_("enable " + file);
  changed_();
  return result;
}

std::vector<Change> Manager::disable_unit_files(const std::vector<std::string>& names,
                                                bool runtime) {
  auto changes = install_.disable(names, runtime);
  for (const auto& name : names)
    events_("disable " + name);
  changed_();
  return changes;
}

void Manager::reload() {
  std::map<std::string, Unit> next;
  for (const auto& [name, path] : install_.linked_units()) {
    auto old = units_.find(name);
    Unit unit = old != units_.end() ? std::move(old->second) : Unit{};
    unit.name = name;
    load(unit, path);
    next.emplace(name, std::move(unit));
  }
  for (auto& [name, unit] : units_) {
    // Unlinked but still running or failed: systemd keeps it (not-found) until it is gone.
    if (next.count(name) == 0 && (unit.active != Active::inactive || unit.pid != 0)) {
      unit.load_state = "not-found";
      next.emplace(name, std::move(unit));
    }
  }
  units_ = std::move(next);
  ++reloads_;
  events_("reload");
  changed_();
}

void Manager::load(Unit& unit, const std::string& path) {
  unit.fragment_path = path;
  const auto text = read_file(path);
  if (!text) {
    unit.load_state = "not-found";  // a dangling link; a running unit keeps its old file
    return;
  }
  unit.file = parse_unit_file(unit.name, *text, options_.host);
  unit.load_state = unit.file->bad_setting.empty() ? "loaded" : "bad-setting";
  if (!unit.file->bad_setting.empty())
    std::cerr << "fake_systemd: " << unit.name << ": " << unit.file->bad_setting << std::endl;
}

std::string Manager::start_unit(const std::string& name, const std::string& mode) {
  check_mode(mode, true);
  Unit& unit = startable(name);
  const uint32_t job = next_job();
  if (unit.active == Active::deactivating) {
    unit.start_after_stop = true;
  } else if (unit.active == Active::inactive || unit.active == Active::failed) {
    begin_start(unit);
  }
  changed_();
  return job_object_path(job);
}

Manager::Unit& Manager::startable(const std::string& name) {
  Unit* unit = find(name);
  if (unit == nullptr || unit->load_state == "not-found")
    fail(kNoSuchUnit, "Unit " + name + " not found.");
  if (unit->load_state == "bad-setting")
    fail(kBadUnitSetting, "Unit " + name + " has a bad unit file setting.");
  return *unit;
}

void Manager::begin_start(Unit& unit) {
  const UnitFile& file = *unit.file;
  unit.result = "success";
  unit.stopping = false;
  unit.sigkill_sent = false;
  unit.kill_at.reset();
  ++unit.starts;
  auto environment = environment_for(file);
  if (!environment) {
    enter_dead(unit, "resources");  // systemd: "Failed to load environment files"
    return;
  }
  unit.environment = std::move(*environment);
  unit.steps.clear();
  for (const auto& command : file.exec_start_pre)
    unit.steps.push_back({command, false});
  for (const auto& command : file.exec_start)
    unit.steps.push_back({command, true});
  unit.next_step = 0;
  run_next_step(unit);
}

void Manager::run_next_step(Unit& unit) {
  const UnitFile& file = *unit.file;
  const bool oneshot = file.type == ServiceType::oneshot;
  if (unit.next_step == unit.steps.size()) {  // only a oneshot gets here
    if (file.remain_after_exit) {
      set_state(unit, Active::active, "exited");
    } else {
      enter_dead(unit, "success");
    }
    return;
  }
  const Step& step = unit.steps[unit.next_step++];
  if (!step.main) {
    set_state(unit, Active::activating, "start-pre");
  } else {
    set_state(unit, oneshot ? Active::activating : Active::active, oneshot ? "start" : "running");
  }
  std::vector<std::string> words = expand_command(step.command, unit.environment);
  ProcessSpec spec;
  spec.program = words.empty() ? "" : words[0];
  spec.argv.assign(words.begin() + (step.command.separate_argv0 && !words.empty() ? 1 : 0),
                   words.end());
  spec.environment = unit.environment;
  spec.working_directory = file.working_directory;
  spec.working_directory_optional = file.working_directory_optional;
  if (!options_.log_dir.empty()) spec.log_path = options_.log_dir + "/" + unit.name + ".log";
  try {
    unit.pid = spawn(spec);
  } catch (const std::system_error& e) {
    std::cerr << "fake_systemd: " << unit.name << ": " << e.what() << std::endl;
    enter_dead(unit, "resources");
    return;
  }
  events_((step.main ? "start " : "start-pre ") + unit.name + " pid " + std::to_string(unit.pid));
}

std::optional<std::vector<std::string>> Manager::environment_for(const UnitFile& file) const {
  std::vector<std::string> environment = {std::string("PATH=") + kDefaultPath};
  environment.insert(environment.end(), file.environment.begin(), file.environment.end());
  for (const auto& source : file.environment_files) {  // they override Environment=
    const auto text = read_file(source.path);
    if (!text && source.optional) continue;
    if (!text) return std::nullopt;
    const auto assignments = parse_environment_file(*text);
    environment.insert(environment.end(), assignments.begin(), assignments.end());
  }
  return dedupe(environment);
}

std::string Manager::stop_unit(const std::string& name, const std::string& mode) {
  check_mode(mode, false);
  Unit* unit = find(name);
  if (unit == nullptr || (unit->load_state != "loaded" && unit->active == Active::inactive))
    fail(kNoSuchUnit, "Unit " + name + " not loaded.");
  const uint32_t job = next_job();
  events_("stop " + name);
  unit->start_after_stop = false;
  if (unit->pid != 0 && !unit->stopping) {
    begin_stop(*unit);
  } else if (unit->pid == 0 && unit->active == Active::active) {
    enter_dead(*unit, "success");  // a oneshot's active/exited
  }
  changed_();
  return job_object_path(job);
}

void Manager::begin_stop(Unit& unit) {
  unit.stopping = true;
  unit.kill_at = Clock::now() + unit.file->timeout_stop;
  signal_group(unit.pid, SIGTERM);
  set_state(unit, Active::deactivating, "stop-sigterm");
}

void Manager::reset_failed_unit(const std::string& name) {
  Unit* unit = find(name);
  if (unit == nullptr) fail(kNoSuchUnit, "Unit " + name + " not loaded.");
  if (unit->active == Active::failed) {
    unit->result = "success";
    set_state(*unit, Active::inactive, "dead");
  }
  events_("reset-failed " + name);
  changed_();
}

bool Manager::owns(pid_t pid) const {
  return std::any_of(units_.begin(), units_.end(),
                     [&](const auto& entry) { return entry.second.pid == pid; });
}

void Manager::before_reap(pid_t pid) {
  if (owns(pid)) signal_group(pid, SIGKILL);
}

void Manager::on_child_exit(pid_t pid, int wait_status) {
  Unit* unit = find_by_pid(pid);
  if (unit == nullptr) return;  // an adopted orphan
  unit->pid = 0;
  unit->last_exit = describe_wait_status(wait_status);
  events_("exit " + unit->name + " " + unit->last_exit);
  if (unit->stopping) {
    finish_stop(*unit, wait_status);
  } else {
    after_step(*unit, wait_status);
  }
  changed_();
}

void Manager::after_step(Unit& unit, int wait_status) {
  const Step& step = unit.steps[unit.next_step - 1];
  const bool simple_main = step.main && unit.file->type == ServiceType::simple;
  if (!step.command.ignore_failure && !is_clean_exit(wait_status, simple_main)) {
    enter_dead(unit, failure_result(wait_status));
  } else if (simple_main) {
    enter_dead(unit, "success");
  } else {
    run_next_step(unit);
  }
}

void Manager::finish_stop(Unit& unit, int wait_status) {
  std::string result = "success";
  if (unit.sigkill_sent) {
    result = "timeout";
  } else if (!is_clean_exit(wait_status, true)) {
    result = failure_result(wait_status);
  }
  enter_dead(unit, result);
  if (std::exchange(unit.start_after_stop, false)) begin_start(unit);
}

void Manager::enter_dead(Unit& unit, const std::string& result) {
  unit.result = result;
  unit.stopping = false;
  unit.kill_at.reset();
  unit.steps.clear();
  unit.next_step = 0;
  if (result == "success") {
    set_state(unit, Active::inactive, "dead");
  } else {
    set_state(unit, Active::failed, "failed");
  }
}

void Manager::set_state(Unit& unit, Active active, const std::string& sub) {
  unit.active = active;
  unit.sub = sub;
}

void Manager::on_timer(Clock::time_point now) {
  for (auto& [name, unit] : units_) {
    if (!unit.kill_at || now < *unit.kill_at || unit.sigkill_sent || unit.pid == 0) continue;
    unit.sigkill_sent = true;
    unit.kill_at.reset();
    signal_group(unit.pid, SIGKILL);
    set_state(unit, Active::deactivating, "stop-sigkill");
    events_("sigkill " + name);
    changed_();
  }
}

std::optional<Manager::Clock::time_point> Manager::next_deadline() const {
  std::optional<Clock::time_point> earliest;
  for (const auto& [name, unit] : units_) {
    if (unit.kill_at && (!earliest || *unit.kill_at < *earliest)) earliest = unit.kill_at;
  }
  return earliest;
}

pid_t Manager::kill_unit(const std::string& name) {
  const Unit* unit = find(name);
  if (unit == nullptr || unit->pid == 0) return 0;
  ::kill(unit->pid, SIGKILL);
  return unit->pid;
}

void Manager::signal_all(int signal) {
  for (const auto& [name, unit] : units_)
    signal_group(unit.pid, signal);
}

bool Manager::has_processes() const {
  return std::any_of(units_.begin(), units_.end(),
                     [](const auto& entry) { return entry.second.pid != 0; });
}

std::vector<UnitStatus> Manager::list_units() const {
  std::vector<UnitStatus> out;
  for (const auto& [name, unit] : units_)
    out.push_back(status_of(unit));
  return out;
}

UnitStatus Manager::status(const std::string& name) const {
  if (const Unit* unit = find(name)) return status_of(*unit);
  return {name, name, "not-found", "inactive", "dead", unit_object_path(name), "", 0, "success"};
}

std::string Manager::get_unit(const std::string& name) const {
  if (find(name) == nullptr) fail(kNoSuchUnit, "Unit " + name + " not loaded.");
  return unit_object_path(name);
}

UnitStatus Manager::status_of(const Unit& unit) const {
  static constexpr std::array<const char*, 5> kActive = {"inactive", "activating", "active",
                                                         "deactivating", "failed"};
  const bool described = unit.file && !unit.file->description.empty();
  const bool main_running = unit.pid != 0 && unit.next_step > 0 &&
                            unit.next_step <= unit.steps.size() &&
                            unit.steps[unit.next_step - 1].main;
  return {unit.name,          described ? unit.file->description : unit.name,
          unit.load_state,    kActive[static_cast<size_t>(unit.active)],
          unit.sub,           unit_object_path(unit.name),
          unit.fragment_path, main_running ? static_cast<uint32_t>(unit.pid) : 0,
          unit.result};
}

nlohmann::json Manager::unit_json(const Unit& unit) const {
  const UnitStatus s = status_of(unit);
  return {{"load_state", s.load_state},
          {"active_state", s.active_state},
          {"sub_state", s.sub_state},
          {"description", s.description},
          {"fragment_path", s.fragment_path},
          {"pid", unit.pid},
          {"main_pid", s.main_pid},
          {"result", s.result},
          {"last_exit", unit.last_exit},
          {"starts", unit.starts},
          {"enabled", install_.is_enabled(unit.name)}};
}

nlohmann::json Manager::to_json() const {
  nlohmann::json units = nlohmann::json::object();
  for (const auto& [name, unit] : units_)
    units[name] = unit_json(unit);
  nlohmann::json out = install_.to_json();
  out["reloads"] = reloads_;
  out["jobs"] = jobs_;
  out["units"] = std::move(units);
  return out;
}

Manager::Unit* Manager::find(const std::string& name) {
  const auto it = units_.find(name);
  return it == units_.end() ? nullptr : &it->second;
}

const Manager::Unit* Manager::find(const std::string& name) const {
  const auto it = units_.find(name);
  return it == units_.end() ? nullptr : &it->second;
}

Manager::Unit* Manager::find_by_pid(pid_t pid) {
  for (auto& [name, unit] : units_) {
    if (unit.pid == pid) return &unit;
  }
  return nullptr;
}

uint32_t Manager::next_job() {
  return ++jobs_;
}

}  // namespace corestack::systemd::testing::fake_systemd
