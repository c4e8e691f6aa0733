#include "agents/fleet/unit_manager.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>
#include <utility>

#include "agents/fleet/unit_name.h"

namespace corestack::fleet {
namespace {

namespace fs = std::filesystem;

// Temporaries are ".fleet-XXXXXX": no type suffix, so never a unit name.
constexpr const char* kTemporaryPrefix = ".fleet-";

std::string errno_text(std::string_view what, const std::string& path, int error) {
  return std::string(what) + " " + path + ": " + std::strerror(error);
}

Expected<void, std::string> write_all(int fd, const std::string& content, const std::string& path) {
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return unexpected(errno_text("Cannot write", path, errno));
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return unexpected(errno_text("Cannot fsync", path, errno));
  return Done{};
}

// Best effort: the rename is durable once the directory is synced (moot on /run's tmpfs).
void sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Readers (systemd, a restarted agent) never see half a file: write a temporary, rename.
// The temporary's name is short (any unit name fits NAME_MAX) and never a unit name.
Expected<void, std::string> write_file_atomically(const std::string& dir, const std::string& name,
                                                  const std::string& content) {
  const std::string path = dir + "/" + name;
  std::string tmp = dir + "/" + kTemporaryPrefix + "XXXXXX";
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return unexpected(errno_text("Cannot create a temporary file in", dir, errno));
  Expected<void, std::string> written = Done{};
  if (::fchmod(fd, 0644) != 0) written = unexpected(errno_text("Cannot chmod", tmp, errno));
  if (written) written = write_all(fd, content, tmp);
  ::close(fd);
  if (written && ::rename(tmp.c_str(), path.c_str()) != 0)
    written = unexpected(errno_text("Cannot rename to", path, errno));
  if (!written) {
    ::unlink(tmp.c_str());
    return written;
  }
  sync_directory(dir);
  return Done{};
}

Expected<void, std::string> remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return unexpected(errno_text("Cannot remove", path, errno));
  return Done{};
}

Expected<std::string, std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("Cannot open " + path);
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return unexpected("Cannot read " + path);
  return content.str();
}

// The hash fleet compares: of the parsed canonical form, as fleet hashes a unit it reads.
UnitHash hash_of_file_content(const std::string& name, const std::string& raw) {
  auto unit = UnitFile::parse(raw);
  if (unit) return unit->hash();
  spdlog::warn("unit file {} does not parse ({}); hashing its bytes", name, unit.error());
  return sha1_of(raw);
}

Expected<void, std::string> check_unit_name(const std::string& name) {
  if (auto valid = validate_unit_name(name); !valid) return unexpected(valid.error());
  if (!is_recognized_unit_type(name))
    return unexpected("unit type of " + name + " is not managed by the agent");
  return Done{};
}

std::string task_text(const AgentTask& task) {
  std::string text(to_string(task.type));
  if (!task.unit.empty()) text += " " + task.unit;
  return text;
}

}  // namespace

Expected<UnitManager, std::string> UnitManager::open(SystemdManager& systemd,
                                                     std::string units_dir) {
  while (units_dir.size() > 1 && units_dir.back() == '/')
    units_dir.pop_back();
  std::error_code ec;
  fs::create_directories(units_dir, ec);
  if (ec) return unexpected("Cannot create the units directory " + units_dir + ": " + ec.message());
  UnitManager manager(systemd, std::move(units_dir));
  if (auto scanned = manager.scan(); !scanned) return unexpected(scanned.error());
  return manager;
}

Expected<void, std::string> UnitManager::scan() {
  std::error_code ec;
  fs::directory_iterator it(dir_, ec);
  if (ec) return unexpected("Cannot read the units directory " + dir_ + ": " + ec.message());
  for (const fs::directory_entry& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kTemporaryPrefix, 0) == 0 && !check_unit_name(name)) {  // a crash mid-write
      std::ignore = remove_file(entry.path().string());
      continue;
    }
    if (!entry.is_regular_file(ec) || !check_unit_name(name)) {
      spdlog::info("ignoring {} in the units directory: not a unit file", name);
      continue;
    }
    auto raw = read_file(entry.path().string());
    if (!raw) return unexpected(raw.error());
    units_[name] = CurrentUnit{JobState::inactive, hash_of_file_content(name, *raw)};
    spdlog::info("found unit file {} (hash {})", name, units_[name].hash.short_hex());
  }
  return Done{};
}

Expected<void, std::string> UnitManager::load(const std::string& name, const UnitFile& unit) {
  if (auto valid = check_unit_name(name); !valid)
    return unexpected("Cannot load " + name + ": " + valid.error());
  if (auto written = write_file_atomically(dir_, name, unit.serialize()); !written)
    return unexpected("Cannot load " + name + ": " + written.error());
  units_[name] = CurrentUnit{JobState::loaded, unit.hash()};
  if (auto linked = link_and_enable(name, unit); !linked) {
    units_.erase(name);
    return unexpected("Cannot load " + name + ": " + linked.error());
  }
  spdlog::info("loaded unit {} (hash {})", name, unit.hash().short_hex());
  return Done{};
}

// A failed load leaves no file behind (so the unit is not in current_units()); after a failed
// enable that matters most, as fleet says: systemd must not pull in a unit fleet failed to load.
Expected<void, std::string> UnitManager::link_and_enable(const std::string& name,
                                                         const UnitFile& unit) {
  const std::string path = unit_path(name);
  if (auto linked = systemd_->link_unit_files({path}, true, true); !linked) {
    if (auto removed = remove_file(path); !removed) spdlog::warn("{}", removed.error());
    return unexpected(linked.error());
  }
  reload_pending_ = true;
  if (!unit.has_section("Install")) return Done{};
  if (auto enabled = systemd_->enable_unit_files({path}, true, true); !enabled) {
    if (auto removed = remove_file(path); !removed) spdlog::warn("{}", removed.error());
    return unexpected(enabled.error());
  }
  return Done{};
}

Expected<void, std::string> UnitManager::unload(const std::string& name) {
  if (auto known = check_known(name); !known) return known;
  // fleet#1216: without a successful stop the file stays, so the unit can still be stopped.
  // Except when systemd has no such unit loaded: then nothing runs under that name (a
  // running unit is always loaded), e.g. a file written but never linked before a crash,
  // and keeping the file would make every later unload fail the same way.
  if (auto stopped = systemd_->stop_unit(name); !stopped) {
    if (stopped.error().find("org.freedesktop.systemd1.NoSuchUnit") == std::string::npos)
      return unexpected("Cannot unload " + name + ": " + stopped.error());
    spdlog::info("unloading {}: systemd has not loaded it, nothing to stop", name);
  }
  set_state(name, JobState::loaded);
  remove_from_systemd(name);
  reload_pending_ = true;
  if (auto removed = remove_file(unit_path(name)); !removed)
    return unexpected("Cannot unload " + name + ": " + removed.error());
  units_.erase(name);
  spdlog::info("unloaded unit {}", name);
  return Done{};
}

// The unit is stopped already: these only tidy up, so their failures are not the unload's.
void UnitManager::remove_from_systemd(const std::string& name) {
  if (auto disabled = systemd_->disable_unit_files({name}, true); !disabled)
    spdlog::warn("unloading {}: {}", name, disabled.error());
  if (auto reset = systemd_->reset_failed_unit(name); !reset)
    spdlog::warn("unloading {}: {}", name, reset.error());
}

Expected<void, std::string> UnitManager::reload() {
  if (auto reloaded = systemd_->reload(); !reloaded) return reloaded;
  reload_pending_ = false;
  return Done{};
}

Expected<void, std::string> UnitManager::start(const std::string& name) {
  if (auto known = check_known(name); !known) return known;
  auto job = systemd_->start_unit(name);
  if (!job) return unexpected(job.error());
  spdlog::info("started unit {} (job {})", name, *job);
  set_state(name, JobState::launched);
  return Done{};
}

Expected<void, std::string> UnitManager::stop(const std::string& name) {
  if (auto known = check_known(name); !known) return known;
  auto job = systemd_->stop_unit(name);
  if (!job) return unexpected(job.error());
  spdlog::info("stopped unit {} (job {})", name, *job);
  set_state(name, JobState::loaded);
  return Done{};
}

Expected<void, std::string> UnitManager::execute(const std::vector<AgentTask>& tasks,
                                                 const UnitSource& units) {
  for (const AgentTask& task : tasks) {
    if (auto done = run_task(task, units); !done) {
      // What did change must still reach systemd, or the next round's start finds nothing.
      if (auto reloaded = reload_if_dirty(); !reloaded) spdlog::warn("{}", reloaded.error());
      return unexpected(task_text(task) + ": " + done.error());
    }
  }
  return reload_if_dirty();
}

Expected<void, std::string> UnitManager::run_task(const AgentTask& task, const UnitSource& units) {
  switch (task.type) {
    case AgentTaskType::unload_unit:
      return unload(task.unit);
    case AgentTaskType::load_unit: {
      auto unit = units(task.unit);
      if (!unit) return unexpected("no unit file for " + task.unit + ": " + unit.error());
      return load(task.unit, *unit);
    }
    case AgentTaskType::reload_unit_files:
      return reload_if_dirty();
    case AgentTaskType::stop_unit:
      if (auto reloaded = reload_if_dirty(); !reloaded) return reloaded;
      return stop(task.unit);
    case AgentTaskType::start_unit:
      if (auto reloaded = reload_if_dirty(); !reloaded) return reloaded;
      return start(task.unit);
  }
  return unexpected(std::string("unknown task type"));
}

Expected<void, std::string> UnitManager::reload_if_dirty() {
  if (!reload_pending_) return Done{};
  return reload();
}

Expected<std::map<std::string, UnitStateRecord>, std::string> UnitManager::poll_states(
    std::string_view machine_id) {
  std::vector<std::string> names;
  for (const auto& [name, unit] : units_) {
    if (unit.state != JobState::inactive) names.push_back(name);
  }
  auto states = systemd_->unit_states(names);
  if (!states) return unexpected(states.error());
  std::map<std::string, UnitStateRecord> records;
  for (const auto& [name, state] : *states) {
    auto unit = units_.find(name);
    if (unit == units_.end()) continue;  // systemd answered for a name not asked about
    records[name] = make_unit_state(state.load_state, state.active_state, state.sub_state,
                                    machine_id, unit->second.hash.hex());
  }
  return records;
}

Expected<void, std::string> UnitManager::check_known(const std::string& name) const {
  if (units_.count(name) == 0) return unexpected("unit " + name + " is not in " + dir_);
  return Done{};
}

void UnitManager::set_state(const std::string& name, JobState state) {
  units_.at(name).state = state;
}

}  // namespace corestack::fleet
