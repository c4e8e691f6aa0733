// ManagerObject: puts a fake_systemd Manager on a Bus the way systemd lays out its API
// (org.freedesktop.systemd1(5)):
//   /org/freedesktop/systemd1, org.freedesktop.systemd1.Manager:
//     GetUnit(s) -> o; StartUnit(ss) -> o; StopUnit(ss) -> o; ResetFailedUnit(s);
//     ListUnits() -> a(ssssssouso); ListUnitsByNames(as) -> a(ssssssouso); Reload();
//     LinkUnitFiles(asbb) -> a(sss); EnableUnitFiles(asbb) -> (b, a(sss));
//     DisableUnitFiles(asb) -> a(sss); Subscribe(); Unsubscribe() (no signals are sent)
//   /org/freedesktop/systemd1/unit/<escaped name> (any name, as systemd loads units named in
//   a path on demand), org.freedesktop.DBus.Properties Get(ss) -> v, GetAll(s) -> a{sv}:
//     org.freedesktop.systemd1.Unit: Id, Names, Description, LoadState, ActiveState,
//       SubState, FragmentPath
//     org.freedesktop.systemd1.Service: MainPID, Result
// Arguments of another signature get InvalidArgs with sd-bus' text; other methods
// UnknownMethod. The ListUnits rows carry no job: (…, 0, "", "/").
// One thread, the Bus's.
#pragma once

#include "agents/systemd/bus.h"
#include "agents/systemd/testing/fake_systemd_manager.h"

namespace corestack::systemd::testing::fake_systemd {

class ManagerObject {
 public:
  // `list_units_by_names` false: ListUnitsByNames answers UnknownMethod, like systemd < 230,
  // so a caller's fallback to ListUnits + properties can be tested.
  ManagerObject(Bus& bus, Manager& manager, bool list_units_by_names);
  ManagerObject(const ManagerObject&) = delete;
  ManagerObject& operator=(const ManagerObject&) = delete;

 private:
  struct Method {
    const char* member;
    const char* signature;
    void (ManagerObject::*handle)(Message& call);
  };
  static const Method kMethods[];

  void on_manager_call(Message& call);
  void on_unit_call(Message& call);

  void get_unit(Message& call);
  void start_unit(Message& call);
  void stop_unit(Message& call);
  void reset_failed_unit(Message& call);
  void list_units(Message& call);
  void list_units_by_names(Message& call);
  void reload(Message& call);
  void link_unit_files(Message& call);
  void enable_unit_files(Message& call);
  void disable_unit_files(Message& call);
  void subscribe(Message& call);

  void get_property(Message& call, const UnitStatus& status);
  void get_all_properties(Message& call, const UnitStatus& status);

  Manager& manager_;
  bool list_units_by_names_;
  Slot manager_slot_;
  Slot unit_slot_;
};

}  // namespace corestack::systemd::testing::fake_systemd
