#include "agents/fleet/systemd_manager.h"

#include <type_traits>
#include <utility>

namespace corestack::fleet {
namespace {

using systemd::BusError;
using systemd::Message;

constexpr const char* kService = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManagerInterface = "org.freedesktop.systemd1.Manager";
constexpr const char* kUnitInterface = "org.freedesktop.systemd1.Unit";
constexpr const char* kPropertiesInterface = "org.freedesktop.DBus.Properties";
constexpr const char* kUnknownMethod = "org.freedesktop.DBus.Error.UnknownMethod";

std::string describe(std::string_view what, const BusError& e) {
  return std::string(what) + ": " + e.what() + " [" + e.name + "]";
}

// Runs `f` (which may throw BusError) and turns its result or error into an Expected.
template <class F>
auto guarded(std::string_view what, F&& f) -> Expected<std::invoke_result_t<F>, std::string> {
  using R = std::invoke_result_t<F>;
  try {
    if constexpr (std::is_void_v<R>) {
      f();
      return Done{};
    } else {
      return f();
    }
  } catch (const BusError& e) {
    return unexpected(describe(what, e));
  }
}

std::string with_unit(std::string_view call, const std::string& name) {
  return std::string(call) + " " + name;
}

std::vector<UnitFileChange> read_changes(Message& m) {
  std::vector<UnitFileChange> changes;
  m.enter('a', "(sss)");
  while (m.enter('r', "sss")) {
    UnitFileChange c;
    m.read(c.type, c.file, c.destination);
    m.exit();
    changes.push_back(std::move(c));
  }
  m.exit();
  return changes;
}

// a(ssssssouso): name, description, load, active, sub, following, path, job id, type, path.
std::vector<SystemdUnitStatus> read_unit_rows(Message& m) {
  std::vector<SystemdUnitStatus> rows;
  m.enter('a', "(ssssssouso)");
  while (m.enter('r', "ssssssouso")) {
    SystemdUnitStatus row;
    m.read(row.name, row.description, row.state.load_state, row.state.active_state,
           row.state.sub_state);
    while (!m.at_end())
      m.skip();  // following, unit path, job id, job type, job path
    m.exit();
    rows.push_back(std::move(row));
  }
  m.exit();
  return rows;
}

// The string properties of an a{sv}; others are skipped.
std::map<std::string, std::string> read_string_properties(Message& m) {
  std::map<std::string, std::string> values;
  m.enter('a', "{sv}");
  while (m.enter('e', "sv")) {
    std::string name;
    std::string contents;
    m.read(name);
    if (m.peek_type(&contents) == 'v' && contents == "s") {
      m.enter('v', "s");
      m.read(values[name]);
      m.exit();
    } else {
      m.skip();
    }
    m.exit();
  }
  m.exit();
  return values;
}

bool is_label_char(char c, bool first) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  const bool digit = c >= '0' && c <= '9';
  return alpha || (digit && !first);
}

}  // namespace

std::string systemd_unit_path(std::string_view unit_name) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string path = "/org/freedesktop/systemd1/unit/";
  if (unit_name.empty()) return path + "_";
  for (std::size_t i = 0; i < unit_name.size(); ++i) {
    const char c = unit_name[i];
    if (is_label_char(c, i == 0)) {
      path += c;
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    path += '_';
    path += kHex[byte >> 4];
    path += kHex[byte & 0xf];
  }
  return path;
}

Expected<std::vector<UnitFileChange>, std::string> SystemdManager::link_unit_files(
    const std::vector<std::string>& paths, bool runtime, bool force) {
  return guarded("LinkUnitFiles", [&] {
    Message r = bus_.call_method(kService, kManagerPath, kManagerInterface, "LinkUnitFiles", paths,
                                 runtime, force);
    return read_changes(r);
  });
}

Expected<EnableResult, std::string> SystemdManager::enable_unit_files(
    const std::vector<std::string>& paths, bool runtime, bool force) {
  return guarded("EnableUnitFiles", [&] {
    Message r = bus_.call_method(kService, kManagerPath, kManagerInterface, "EnableUnitFiles",
                                 paths, runtime, force);
    EnableResult result;
    r.read(result.carries_install_info);
    result.changes = read_changes(r);
    return result;
  });
}

Expected<std::vector<UnitFileChange>, std::string> SystemdManager::disable_unit_files(
    const std::vector<std::string>& names, bool runtime) {
  return guarded("DisableUnitFiles", [&] {
    Message r = bus_.call_method(kService, kManagerPath, kManagerInterface, "DisableUnitFiles",
                                 names, runtime);
    return read_changes(r);
  });
}

Expected<void, std::string> SystemdManager::reload() {
  return guarded("Reload",
                 [&] { bus_.call_method(kService, kManagerPath, kManagerInterface, "Reload"); });
}

Expected<std::string, std::string> SystemdManager::start_unit(const std::string& name) {
  return guarded(with_unit("StartUnit", name), [&] {
    Message r = bus_.call_method(kService, kManagerPath, kManagerInterface, "StartUnit", name,
                                 std::string(kJobMode));
    return std::get<0>(r.read<std::string>());
  });
}

Expected<std::string, std::string> SystemdManager::stop_unit(const std::string& name) {
  return guarded(with_unit("StopUnit", name), [&] {
    Message r = bus_.call_method(kService, kManagerPath, kManagerInterface, "StopUnit", name,
                                 std::string(kJobMode));
    return std::get<0>(r.read<std::string>());
  });
}

Expected<void, std::string> SystemdManager::reset_failed_unit(const std::string& name) {
  return guarded(with_unit("ResetFailedUnit", name), [&] {
    bus_.call_method(kService, kManagerPath, kManagerInterface, "ResetFailedUnit", name);
  });
}

Expected<std::vector<SystemdUnitStatus>, std::string> SystemdManager::list_units_by_names(
    const std::vector<std::string>& names) {
  if (names.empty()) return std::vector<SystemdUnitStatus>{};
  if (list_units_fallback_) return list_by_fallback(names);
  return list_by_names_call(names);
}

Expected<std::vector<SystemdUnitStatus>, std::string> SystemdManager::list_by_names_call(
    const std::vector<std::string>& names) {
  try {
    Message r =
        bus_.call_method(kService, kManagerPath, kManagerInterface, "ListUnitsByNames", names);
    return read_unit_rows(r);
  } catch (const BusError& e) {
    if (e.name != kUnknownMethod) return unexpected(describe("ListUnitsByNames", e));
  }
  // systemd < 230: remember, so later polls go straight to the fallback.
  list_units_fallback_ = true;
  return list_by_fallback(names);
}

// ListUnits has every unit systemd holds; a name it lacks is asked for its properties,
// which makes systemd load it to answer (not-found when there is no such file).
Expected<std::vector<SystemdUnitStatus>, std::string> SystemdManager::list_by_fallback(
    const std::vector<std::string>& names) {
  return guarded("ListUnits fallback", [&] {
    Message r = bus_.call_method(kService, kManagerPath, kManagerInterface, "ListUnits");
    std::map<std::string, SystemdUnitStatus> listed;
    for (SystemdUnitStatus& row : read_unit_rows(r))
      listed.emplace(row.name, std::move(row));
    std::vector<SystemdUnitStatus> rows;
    for (const std::string& name : names) {
      auto it = listed.find(name);
      rows.push_back(it != listed.end() ? it->second
                                        : SystemdUnitStatus{name, "", unit_properties(name)});
    }
    return rows;
  });
}

SystemdUnitState SystemdManager::unit_properties(const std::string& name) {
  Message r = bus_.call_method(kService, systemd_unit_path(name), kPropertiesInterface, "GetAll",
                               std::string(kUnitInterface));
  auto values = read_string_properties(r);
  return SystemdUnitState{values["LoadState"], values["ActiveState"], values["SubState"]};
}

Expected<std::map<std::string, SystemdUnitState>, std::string> SystemdManager::unit_states(
    const std::vector<std::string>& names) {
  auto rows = list_units_by_names(names);
  if (!rows) return unexpected(rows.error());
  std::map<std::string, SystemdUnitState> states;
  for (SystemdUnitStatus& row : *rows)
    states[row.name] = std::move(row.state);
  return states;
}

}  // namespace corestack::fleet
