#include "agents/systemd/testing/fake_systemd_install.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "agents/systemd/testing/fake_systemd_names.h"

namespace corestack::systemd::testing::fake_systemd {
namespace {

std::string config_dir(bool runtime) {
  return runtime ? "/run/systemd/system" : "/etc/systemd/system";
}

std::string basename_of(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

[[noreturn]] void no_such_file(const std::string& file) {
  fail(kNoSuchUnit, "Unit file " + file + " does not exist.");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) no_such_file(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The symlinks enabling `unit` creates (systemd's install_info_symlink_wants/_alias).
std::vector<std::string> enablement_symlinks(const UnitFile& unit, bool runtime) {
  const std::string dir = config_dir(runtime);
  std::vector<std::string> out;
  for (const auto& target : unit.wanted_by)
    out.push_back(dir + "/" + target + ".wants/" + unit.name);
  for (const auto& target : unit.required_by)
    out.push_back(dir + "/" + target + ".requires/" + unit.name);
  for (const auto& alias : unit.alias)
    out.push_back(dir + "/" + alias);
  return out;
}

}  // namespace

std::vector<Change> InstallState::link(const std::vector<std::string>& files, bool runtime,
                                       bool force) {
  std::vector<Change> changes;
  for (const auto& file : files)
    link_one(file, runtime, force, changes);
  return changes;
}

void InstallState::link_one(const std::string& file, bool runtime, bool force,
                            std::vector<Change>& changes) {
  if (file.empty() || file[0] != '/') fail(kInvalidArgs, "File " + file + ": Invalid argument");
  const std::string name = basename_of(file);
  if (!is_valid_unit_name(name)) fail(kInvalidArgs, "Invalid unit name " + name + ".");
  if (!is_regular_file(file)) no_such_file(file);
  const std::string symlink = config_dir(runtime) + "/" + name;
  auto& links = scope(runtime).links;
  const auto it = links.find(name);
  if (it != links.end() && it->second == file) return;
  if (it != links.end() && !force) {
    fail(kUnitExists,
         "File " + symlink + " already exists and is a symlink to " + it->second + ".");
  }
  if (it != links.end()) changes.push_back({"unlink", symlink, ""});
  links[name] = file;
  changes.push_back({"symlink", symlink, file});
}

InstallState::EnableResult InstallState::enable(const std::vector<std::string>& files, bool runtime,
                                                bool force, const HostIds& host) {
  EnableResult result;
  for (const auto& file : files) {
    const std::string path = resolve_for_enable(file, runtime, force, result.changes);
    const std::string name = file[0] == '/' ? basename_of(file) : file;
    if (enable_one(name, path, runtime, host, result.changes)) result.carries_install_info = true;
  }
  return result;
}

std::string InstallState::resolve_for_enable(const std::string& file, bool runtime, bool force,
                                             std::vector<Change>& changes) {
  if (!file.empty() && file[0] == '/') {
    if (!is_regular_file(file)) no_such_file(file);
    const auto linked = linked_units();
    const auto it = linked.find(basename_of(file));
    if (it == linked.end() || it->second != file) link_one(file, runtime, force, changes);
    return file;
  }
  if (!is_valid_unit_name(file)) fail(kInvalidArgs, "Invalid unit name " + file + ".");
  const auto linked = linked_units();
  const auto it = linked.find(file);
  if (it == linked.end()) no_such_file(file);
  return it->second;
}

bool InstallState::enable_one(const std::string& name, const std::string& path, bool runtime,
                              const HostIds& host, std::vector<Change>& changes) {
  const UnitFile unit = parse_unit_file(name, read_file(path), host);
  if (!unit.has_install_rules()) return false;  // systemd warns; nothing is enabled
  auto& enabled = scope(runtime).enabled;
  const auto before = enabled.find(name);
  std::vector<std::string> symlinks = enablement_symlinks(unit, runtime);
  for (const auto& symlink : symlinks) {
    const bool existed =
        before != enabled.end() &&
        std::find(before->second.begin(), before->second.end(), symlink) != before->second.end();
    if (!existed) changes.push_back({"symlink", symlink, path});
  }
  enabled[name] = std::move(symlinks);
  return true;
}

std::vector<Change> InstallState::disable(const std::vector<std::string>& names, bool runtime) {
  std::vector<Change> changes;
  for (const auto& name : names) {
    if (!is_valid_unit_name(name)) fail(kInvalidArgs, "Invalid unit name " + name + ".");
    if (!knows(name)) no_such_file(name);
    disable_one(name, runtime, changes);
  }
  return changes;
}

void InstallState::disable_one(const std::string& name, bool runtime,
                               std::vector<Change>& changes) {
  Scope& s = scope(runtime);
  if (const auto it = s.enabled.find(name); it != s.enabled.end()) {
    for (const auto& symlink : it->second)
      changes.push_back({"unlink", symlink, ""});
    s.enabled.erase(it);
  }
  // `systemctl disable` undoes `link` too (systemctl(1)).
  if (s.links.erase(name) > 0) changes.push_back({"unlink", config_dir(runtime) + "/" + name, ""});
}

bool InstallState::knows(const std::string& name) const {
  return std::any_of(std::begin(scopes_), std::end(scopes_), [&](const Scope& s) {
    return s.links.count(name) > 0 || s.enabled.count(name) > 0;
  });
}

std::map<std::string, std::string> InstallState::linked_units() const {
  std::map<std::string, std::string> out = scopes_[1].links;
  for (const auto& [name, path] : scopes_[0].links)
    out[name] = path;
  return out;
}

bool InstallState::is_enabled(const std::string& name) const {
  return scopes_[0].enabled.count(name) > 0 || scopes_[1].enabled.count(name) > 0;
}

nlohmann::json InstallState::to_json() const {
  nlohmann::json links = nlohmann::json::object();
  nlohmann::json enabled = nlohmann::json::object();
  for (int runtime = 1; runtime >= 0; --runtime) {  // /etc last: it wins, as in linked_units()
    for (const auto& [name, path] : scopes_[runtime].links)
      links[name] = {{"path", path}, {"runtime", runtime == 1}};
    for (const auto& [name, symlinks] : scopes_[runtime].enabled)
      enabled[name] = {{"runtime", runtime == 1}, {"symlinks", symlinks}};
  }
  return {{"links", links}, {"enabled", enabled}};
}

}  // namespace corestack::systemd::testing::fake_systemd
