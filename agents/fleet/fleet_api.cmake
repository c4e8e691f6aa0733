# fleet's API-facing pure pieces (docs/fleet.md "fleetd", "fleetctl", "HTTP API"): fleet.conf
# and FLEET_* settings, the v1 JSON entities and the PUT /units decision, page tokens, the
# PATCH /machines body, fleetctl's tables and messages. No I/O: fleetd and fleetctl use them.
add_library(corestack_fleet_api STATIC
  api_model.cc
  fleet_config.cc
  fleetctl_output.cc
  machine_patch.cc
  page_token.cc)
corestack_project_code(corestack_fleet_api)
target_include_directories(corestack_fleet_api PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(corestack_fleet_api
  PUBLIC corestack_fleet_core
  PRIVATE nlohmann_json::nlohmann_json)

corestack_test(fleet_api_test PREFIX fleet_ LABELS unit
  SOURCES
    api_model_test.cc
    fleet_config_test.cc
    fleetctl_output_test.cc
    machine_patch_test.cc
    page_token_test.cc
  LIBS corestack_fleet_api)
