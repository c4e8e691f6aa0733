#include "agents/systemd/testing/fake_systemd_bus.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <functional>
#include <memory>
#include <string_view>

#include "agents/systemd/testing/fake_systemd_names.h"

namespace corestack::systemd::testing::fake_systemd {
namespace {

using Handler = std::function<void(Message&)>;

constexpr std::array<const char*, 7> kUnitProperties = {
    "Id", "Names", "Description", "LoadState", "ActiveState", "SubState", "FragmentPath"};
constexpr std::array<const char*, 2> kServiceProperties = {"MainPID", "Result"};

// Bus::serve_object() serves one path; systemd's unit objects are a whole subtree, so this
// registers an sd-bus fallback with the same answering rules (bus.h serve_object()).
int on_subtree_call(sd_bus_message* m, void* userdata, sd_bus_error*) {
  uint8_t type = 0;
  if (sd_bus_message_get_type(m, &type) < 0 || type != SD_BUS_MESSAGE_METHOD_CALL) return 0;
  Message call = Message::ref(m);
  try {
    try {
      (*static_cast<Handler*>(userdata))(call);
    } catch (const BusError& e) {
      if (!call.replied()) reply_error(call, e.name, e.what());
    } catch (const std::exception& e) {
      if (!call.replied()) reply_error(call, SD_BUS_ERROR_FAILED, e.what());
    }
    if (!call.replied()) {
      reply_error(call, kUnknownMethod,
                  "Unknown method " + call.member() + " or interface " + call.interface() + ".");
    }
    return 1;
  } catch (...) {
    return -EIO;  // could not even send the error
  }
}

void destroy_handler(void* userdata) {
  delete static_cast<Handler*>(userdata);
}

Slot serve_subtree(Bus& bus, const std::string& prefix, Handler handler) {
  auto owned = std::make_unique<Handler>(std::move(handler));
  sd_bus_slot* slot = nullptr;
  const int r = sd_bus_add_fallback(bus.get(), &slot, prefix.c_str(), on_subtree_call, owned.get());
  if (r < 0) throw_errno("Serving the subtree " + prefix, r);
  sd_bus_slot_set_destroy_callback(slot, destroy_handler);
  owned.release();
  return Slot(slot);
}

void check_signature(const Message& call, const char* expected) {
  if (call.signature() == expected) return;
  fail(kInvalidArgs, "Invalid arguments '" + call.signature() + "' to call " + call.interface() +
                         "." + call.member() + "(), expecting '" + expected + "'.");
}

void send_units(Message& call, const std::vector<UnitStatus>& units) {
  Message r = new_method_return(call);
  if (r) {
    r.open('a', "(ssssssouso)");
    for (const auto& u : units) {
      r.open('r', "ssssssouso")
          .append(u.name, u.description, u.load_state, u.active_state, u.sub_state, "",
                  ObjectPath{u.object_path}, uint32_t{0}, "", ObjectPath{"/"})
          .close();
    }
    r.close();
  }
  send_reply(call, r);
}

void append_changes(Message& r, const std::vector<Change>& changes) {
  r.open('a', "(sss)");
  for (const auto& c : changes)
    r.open('r', "sss").append(c.type, c.file, c.destination).close();
  r.close();
}

struct UnitFileArgs {
  std::vector<std::string> files;
  bool runtime = false;
  bool force = false;
};

UnitFileArgs read_unit_file_args(Message& call, bool with_force) {
  UnitFileArgs args;
  call.read(args.files, args.runtime);
  if (with_force) call.read(args.force);
  return args;
}

template <size_t N>
bool contains(const std::array<const char*, N>& names, const std::string& name) {
  return std::any_of(names.begin(), names.end(), [&](const char* n) { return name == n; });
}

bool has_property(const std::string& interface, const std::string& property) {
  return (interface == kUnitInterface && contains(kUnitProperties, property)) ||
         (interface == kServiceInterface && contains(kServiceProperties, property));
}

void append_property(Message& r, const UnitStatus& s, const std::string& name) {
  if (name == "Names") {
    r.open('v', "as").append(std::vector<std::string>{s.name}).close();
  } else if (name == "MainPID") {
    r.open('v', "u").append(s.main_pid).close();
  } else {
    const std::string& value = name == "Id"             ? s.name
                               : name == "Description"  ? s.description
                               : name == "LoadState"    ? s.load_state
                               : name == "ActiveState"  ? s.active_state
                               : name == "SubState"     ? s.sub_state
                               : name == "FragmentPath" ? s.fragment_path
                                                        : s.result;
    r.open('v', "s").append(value).close();
  }
}

}  // namespace

const ManagerObject::Method ManagerObject::kMethods[] = {
    {"GetUnit", "s", &ManagerObject::get_unit},
    {"StartUnit", "ss", &ManagerObject::start_unit},
    {"StopUnit", "ss", &ManagerObject::stop_unit},
    {"ResetFailedUnit", "s", &ManagerObject::reset_failed_unit},
    {"ListUnits", "", &ManagerObject::list_units},
    {"ListUnitsByNames", "as", &ManagerObject::list_units_by_names},
    {"Reload", "", &ManagerObject::reload},
    {"LinkUnitFiles", "asbb", &ManagerObject::link_unit_files},
    {"EnableUnitFiles", "asbb", &ManagerObject::enable_unit_files},
    {"DisableUnitFiles", "asb", &ManagerObject::disable_unit_files},
    {"Subscribe", "", &ManagerObject::subscribe},
    {"Unsubscribe", "", &ManagerObject::subscribe},
};

ManagerObject::ManagerObject(Bus& bus, Manager& manager, bool list_units_by_names)
    : manager_(manager), list_units_by_names_(list_units_by_names) {
  manager_slot_ = bus.serve_object(kManagerPath, [this](Message& call) { on_manager_call(call); });
  unit_slot_ = serve_subtree(bus, kUnitPathPrefix, [this](Message& call) { on_unit_call(call); });
}

void ManagerObject::on_manager_call(Message& call) {
  const std::string interface = call.interface();
  if (!interface.empty() && interface != kManagerInterface) return;  // UnknownMethod
  const std::string member = call.member();
  if (member == "ListUnitsByNames" && !list_units_by_names_) return;
  for (const Method& method : kMethods) {
    if (member != method.member) continue;
    check_signature(call, method.signature);
    (this->*method.handle)(call);
    return;
  }
}

void ManagerObject::get_unit(Message& call) {
  const auto [name] = call.read<std::string>();
  reply(call, ObjectPath{manager_.get_unit(name)});
}

void ManagerObject::start_unit(Message& call) {
  const auto [name, mode] = call.read<std::string, std::string>();
  reply(call, ObjectPath{manager_.start_unit(name, mode)});
}

void ManagerObject::stop_unit(Message& call) {
  const auto [name, mode] = call.read<std::string, std::string>();
  reply(call, ObjectPath{manager_.stop_unit(name, mode)});
}

void ManagerObject::reset_failed_unit(Message& call) {
  const auto [name] = call.read<std::string>();
  manager_.reset_failed_unit(name);
  reply(call);
}

void ManagerObject::list_units(Message& call) {
  send_units(call, manager_.list_units());
}

void ManagerObject::list_units_by_names(Message& call) {
  const auto [names] = call.read<std::vector<std::string>>();
  std::vector<UnitStatus> units;
  for (const auto& name : names)
    units.push_back(manager_.status(name));
  send_units(call, units);
}

void ManagerObject::reload(Message& call) {
  manager_.reload();
  reply(call);
}

void ManagerObject::link_unit_files(Message& call) {
  const UnitFileArgs args = read_unit_file_args(call, true);
  const auto changes = manager_.link_unit_files(args.files, args.runtime, args.force);
  Message r = new_method_return(call);
  if (r) append_changes(r, changes);
  send_reply(call, r);
}

void ManagerObject::enable_unit_files(Message& call) {
  const UnitFileArgs args = read_unit_file_args(call, true);
  const auto result = manager_.enable_unit_files(args.files, args.runtime, args.force);
  Message r = new_method_return(call);
  if (r) {
    r.append(result.carries_install_info);
    append_changes(r, result.changes);
  }
  send_reply(call, r);
}

void ManagerObject::disable_unit_files(Message& call) {
  const UnitFileArgs args = read_unit_file_args(call, false);
  const auto changes = manager_.disable_unit_files(args.files, args.runtime);
  Message r = new_method_return(call);
  if (r) append_changes(r, changes);
  send_reply(call, r);
}

void ManagerObject::subscribe(Message& call) {
  reply(call);  // accepted; the fake emits no signals (fleet polls)
}

void ManagerObject::on_unit_call(Message& call) {
  const auto name = unit_name_from_object_path(call.path());
  if (!name) {
    fail("org.freedesktop.DBus.Error.UnknownObject", "Unknown object '" + call.path() + "'.");
  }
  if (call.is_method_call(kPropertiesInterface, "Get")) {
    check_signature(call, "ss");
    get_property(call, manager_.status(*name));
  } else if (call.is_method_call(kPropertiesInterface, "GetAll")) {
    check_signature(call, "s");
    get_all_properties(call, manager_.status(*name));
  }
}

void ManagerObject::get_property(Message& call, const UnitStatus& status) {
  const auto [interface, property] = call.read<std::string, std::string>();
  if (!has_property(interface, property))
    fail(kUnknownProperty, "Unknown interface " + interface + " or property " + property + ".");
  Message r = new_method_return(call);
  if (r) append_property(r, status, property);
  send_reply(call, r);
}

void ManagerObject::get_all_properties(Message& call, const UnitStatus& status) {
  const auto [interface] = call.read<std::string>();
  std::vector<const char*> names;
  if (interface.empty() || interface == kUnitInterface)
    names.insert(names.end(), kUnitProperties.begin(), kUnitProperties.end());
  if (interface.empty() || interface == kServiceInterface)
    names.insert(names.end(), kServiceProperties.begin(), kServiceProperties.end());
  if (names.empty()) fail(kUnknownInterface, "Unknown interface '" + interface + "'.");
  Message r = new_method_return(call);
  if (r) {
    r.open('a', "{sv}");
    for (const char* name : names) {
      r.open('e', "sv").append(name);
      append_property(r, status, name);
      r.close();
    }
    r.close();
  }
  send_reply(call, r);
}

}  // namespace corestack::systemd::testing::fake_systemd
