# fleet's etcd side (docs/fleet.md "Registry and engine"): the registry (all of fleet's
# etcd I/O) and the engine loop, on agents/etcdclient. Tests use the agents' shared fake etcd
# (agents/etcdclient/testing/fake_etcd.*); engine_cluster.py runs the engine against real
# 3-member clusters.
add_library(corestack_fleet_registry STATIC registry.cc engine.cc)
corestack_project_code(corestack_fleet_registry)
target_include_directories(corestack_fleet_registry PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(corestack_fleet_registry
  PUBLIC corestack_fleet_core corestack_etcdclient
  PRIVATE spdlog::spdlog fmt::fmt)

corestack_test(fleet_registry_test PREFIX fleet_ LABELS unit
  SOURCES registry_test.cc engine_test.cc
  LIBS corestack_fleet_registry corestack_etcdclient_testing nlohmann_json::nlohmann_json)

# Against real 3-member clusters (engine_cluster.py starts them): etcd2 (label cluster) and
# the real etcd 3.4 (label compat; 77 = skipped when /usr/bin/etcd is missing).
add_executable(fleet_engine_cluster testing/engine_cluster.cc)
corestack_project_code(fleet_engine_cluster)
target_link_libraries(fleet_engine_cluster PRIVATE corestack_fleet_registry spdlog::spdlog)
set(FLEET_ENGINE_CLUSTER /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/testing/engine_cluster.py
    --tool $<TARGET_FILE:fleet_engine_cluster>)
add_test(NAME fleet_engine_cluster_etcd2
  COMMAND ${FLEET_ENGINE_CLUSTER} --kind etcd2 --etcd2 $<TARGET_FILE:etcd2>)
add_test(NAME fleet_engine_cluster_real_etcd COMMAND ${FLEET_ENGINE_CLUSTER} --kind etcd)
set_tests_properties(fleet_engine_cluster_etcd2 PROPERTIES LABELS cluster)
set_tests_properties(fleet_engine_cluster_real_etcd PROPERTIES LABELS compat)
set_tests_properties(fleet_engine_cluster_etcd2 fleet_engine_cluster_real_etcd PROPERTIES
  TIMEOUT 600 SKIP_RETURN_CODE 77)
corestack_proc_tests(fleet_engine_cluster_etcd2 fleet_engine_cluster_real_etcd)
