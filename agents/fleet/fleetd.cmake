# fleetd's loops (included last by CMakeLists.txt): the agent's reconcile and state
# publishing behind ports (agent.h), tested with fakes; the API's HTTP listener.
add_library(corestack_fleet_daemon STATIC
  ${CMAKE_CURRENT_LIST_DIR}/agent.cc ${CMAKE_CURRENT_LIST_DIR}/api_server.cc
  ${CMAKE_CURRENT_LIST_DIR}/host_identity.cc)
corestack_project_code(corestack_fleet_daemon)
target_link_libraries(corestack_fleet_daemon
  PUBLIC corestack_fleet_core Threads::Threads
  PRIVATE spdlog::spdlog Boost::boost PkgConfig::SYSTEMD)

corestack_test(fleet_daemon_test PREFIX fleet_ LABELS unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/agent_test.cc ${CMAKE_CURRENT_LIST_DIR}/api_server_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/host_identity_test.cc
  LIBS corestack_fleet_daemon)

# fleetd: the API's logic over the registry, and the daemon.
add_library(corestack_fleet_server STATIC ${CMAKE_CURRENT_LIST_DIR}/fleet_api.cc)
corestack_project_code(corestack_fleet_server)
target_link_libraries(corestack_fleet_server
  PUBLIC corestack_fleet_daemon corestack_fleet_registry corestack_fleet_api)

add_executable(fleetd ${CMAKE_CURRENT_LIST_DIR}/fleetd_main.cc)
corestack_project_code(fleetd)
target_compile_definitions(fleetd PRIVATE CORESTACK_VERSION="${PROJECT_VERSION}")
target_link_libraries(fleetd PRIVATE corestack_fleet_server corestack_fleet_agent
  corestack_systemd spdlog::spdlog)

# fleetd on one host through its real code: socket-activated API, fake_systemd on a private
# bus, against etcd2 (label cluster) and the real etcd 3.4 (label compat).
set(FLEETD_SINGLE ${PROJECT_SOURCE_DIR}/tests/fleet/fleetd_single.py
    --fleetd $<TARGET_FILE:fleetd> --fake-systemd $<TARGET_FILE:fake_systemd>)
add_test(NAME fleet_fleetd_single_etcd2
  COMMAND /usr/bin/python3 ${FLEETD_SINGLE} --etcd2 $<TARGET_FILE:etcd2>)
add_test(NAME fleet_fleetd_single_real_etcd
  COMMAND /usr/bin/python3 ${FLEETD_SINGLE} --kind etcd)
set_tests_properties(fleet_fleetd_single_etcd2 PROPERTIES LABELS cluster)
set_tests_properties(fleet_fleetd_single_real_etcd PROPERTIES LABELS compat)
set_tests_properties(fleet_fleetd_single_etcd2 fleet_fleetd_single_real_etcd PROPERTIES
  TIMEOUT 300 SKIP_RETURN_CODE 77)
corestack_proc_tests(fleet_fleetd_single_etcd2 fleet_fleetd_single_real_etcd)

# fleetctl: the CLI on the v1 API (unix socket or http via libcurl, --tunnel through the
# system ssh), or with --driver etcd on fleetd's FleetApi in-process over etcd.
add_library(corestack_fleetctl STATIC
  ${CMAKE_CURRENT_LIST_DIR}/fleetctl_client.cc ${CMAKE_CURRENT_LIST_DIR}/fleetctl_options.cc
  ${CMAKE_CURRENT_LIST_DIR}/fleetctl_rules.cc ${CMAKE_CURRENT_LIST_DIR}/fleetctl_ssh.cc)
corestack_project_code(corestack_fleetctl)
target_link_libraries(corestack_fleetctl
  PUBLIC corestack_fleet_api PRIVATE corestack_fleet_server corestack_agent_flags CURL::libcurl)

add_executable(fleetctl ${CMAKE_CURRENT_LIST_DIR}/fleetctl_main.cc
  ${CMAKE_CURRENT_LIST_DIR}/fleetctl_commands.cc ${CMAKE_CURRENT_LIST_DIR}/fleetctl_units.cc
  ${CMAKE_CURRENT_LIST_DIR}/fleetctl_remote.cc)
corestack_project_code(fleetctl)
target_link_libraries(fleetctl PRIVATE corestack_fleetctl)

corestack_test(fleetctl_test PREFIX fleet_ LABELS unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fleetctl_ssh_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/fleetctl_options_test.cc
  LIBS corestack_fleetctl)

# fleetctl's remote commands (status, journal, ssh, --tunnel, host keys) against a private
# sshd, --driver etcd, --replace, restart, templates, unschedulable units (tests/fleet/
# fleetctl_remote.py); etcd2 (cluster) and etcd (compat).
set(FLEETCTL_REMOTE ${PROJECT_SOURCE_DIR}/tests/fleet/fleetctl_remote.py
    --fleetd $<TARGET_FILE:fleetd> --fake-systemd $<TARGET_FILE:fake_systemd>
    --fleetctl $<TARGET_FILE:fleetctl>)
add_test(NAME fleet_fleetctl_remote_etcd2
  COMMAND /usr/bin/python3 ${FLEETCTL_REMOTE} --etcd2 $<TARGET_FILE:etcd2>)
add_test(NAME fleet_fleetctl_remote_real_etcd COMMAND /usr/bin/python3 ${FLEETCTL_REMOTE} --kind etcd)
set_tests_properties(fleet_fleetctl_remote_etcd2 PROPERTIES LABELS cluster)
set_tests_properties(fleet_fleetctl_remote_real_etcd PROPERTIES LABELS compat)
set_tests_properties(fleet_fleetctl_remote_etcd2 fleet_fleetctl_remote_real_etcd PROPERTIES
  TIMEOUT 300 SKIP_RETURN_CODE 77)
corestack_proc_tests(fleet_fleetctl_remote_etcd2 fleet_fleetctl_remote_real_etcd)

# fleet across three hosts (tests/fleet/fleet_cluster.py): Conflicts, MachineOf, Global,
# host loss (SIGKILL of a fleetd), duplicate machine ID; etcd2 (cluster) and etcd (compat).
set(FLEET_CLUSTER ${PROJECT_SOURCE_DIR}/tests/fleet/fleet_cluster.py
    --fleetd $<TARGET_FILE:fleetd> --fake-systemd $<TARGET_FILE:fake_systemd>
    --fleetctl $<TARGET_FILE:fleetctl>)
add_test(NAME fleet_cluster_etcd2
  COMMAND /usr/bin/python3 ${FLEET_CLUSTER} --etcd2 $<TARGET_FILE:etcd2>)
add_test(NAME fleet_cluster_real_etcd COMMAND /usr/bin/python3 ${FLEET_CLUSTER} --kind etcd)
set_tests_properties(fleet_cluster_etcd2 PROPERTIES LABELS cluster)
set_tests_properties(fleet_cluster_real_etcd PROPERTIES LABELS compat)
set_tests_properties(fleet_cluster_etcd2 fleet_cluster_real_etcd PROPERTIES
  TIMEOUT 600 SKIP_RETURN_CODE 77)
corestack_proc_tests(fleet_cluster_etcd2 fleet_cluster_real_etcd)
