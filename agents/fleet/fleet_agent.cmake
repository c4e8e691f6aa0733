# fleet's agent, systemd side (docs/fleet.md "Agent and systemd"): the typed client of
# systemd's Manager and the executor that owns the units directory. Its tests run the real
# sd-bus code against fake_systemd on a private dbus-daemon.
add_library(corestack_fleet_agent STATIC
  systemd_manager.cc
  unit_manager.cc)
corestack_project_code(corestack_fleet_agent)
target_link_libraries(corestack_fleet_agent
  PUBLIC corestack_fleet_core corestack_systemd
  PRIVATE spdlog::spdlog fmt::fmt)

corestack_test(fleet_agent_test PREFIX fleet_ LABELS unit
  SOURCES
    systemd_manager_test.cc
    unit_manager_test.cc
  LIBS corestack_fleet_agent corestack_systemd_testing nlohmann_json::nlohmann_json
       Threads::Threads)
target_compile_definitions(fleet_agent_test PRIVATE
  CORESTACK_FAKE_SYSTEMD="$<TARGET_FILE:fake_systemd>")
add_dependencies(fleet_agent_test fake_systemd)
